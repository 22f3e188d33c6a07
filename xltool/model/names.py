"""Which department each form belongs to: names normalised, forms grouped."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from pathlib import PurePosixPath

_CODE = re.compile(r"^(?:[\[【(（]\s*\d+\s*[\]】)）]|\d{2,}(?:[-_.、\s]+|(?=[^\d年])))")
_SEAL = re.compile(r"[（(](?:盖章|公章|章)[)）]$")
_SPACES = re.compile(r"\s+")


def normalise_department(name: object) -> str:
    """A department name for grouping: NFKC, no spaces, no leading code (219-, 【219】), no （盖章）."""
    if not isinstance(name, str):
        return ""
    text = _SPACES.sub("", unicodedata.normalize("NFKC", name))
    text = text.removeprefix("填报单位:").removeprefix("单位名称:")
    text = _CODE.sub("", text)
    text = _SEAL.sub("", text)
    return text.strip(":：")


def group_forms(forms: Sequence[tuple[str, str, str | None]]) -> list[str]:
    """The department key of each (file, kind, stated department name), in input order.

    A form is grouped by the department it names. 附件1 and 附件2 name the department; a 附件3 (or a form
    whose name is missing or matches no known department) that sits in a folder holding exactly one
    known department joins that one — a wrong 主管部门 is then reported by rule D-DEPARTMENT-NAME rather
    than splitting the department in two.
    """
    known_by_folder: dict[str, set[str]] = defaultdict(set)
    known: set[str] = set()
    for file, kind, stated in forms:
        name = normalise_department(stated)
        if kind in ("basic_data", "department") and name:
            known.add(name)
            known_by_folder[_folder(file)].add(name)
    keys: list[str] = []
    for file, _kind, stated in forms:
        name = normalise_department(stated)
        folder = _folder(file)
        if name in known:
            keys.append(name)
        elif len(known_by_folder.get(folder, ())) == 1:
            keys.append(next(iter(known_by_folder[folder])))
        else:
            keys.append(name or (PurePosixPath(folder).name if folder else PurePosixPath(file).stem))
    return keys


def _folder(file: str) -> str:
    return str(PurePosixPath(file).parent) if "/" in file else ""


_DIGITS = re.compile(r"(\d+)")
# An ordinal written in Chinese numerals (第二中学, 第十一小学, 第一百零五号): only after 第, where a
# numeral is always a number — 一般, 统一 or 十堰 elsewhere in a name stay text.
_ORDINAL = re.compile(r"第([〇零一二两三四五六七八九十百千]+)")
CN_DIGITS = "〇一二三四五六七八九"  # 0–9 in Chinese numerals (the documents number headings with them)
_NUMERALS = {ch: value for value, ch in enumerate(CN_DIGITS)} | {"零": 0, "两": 2}
_UNITS = {"十": 10, "百": 100, "千": 1000}


def natural_key(text: str) -> list[list[object]]:
    """A sort key that puts 第2局 before 第10局 and 第二中学 before 第十中学: runs of digits, and ordinals
    in Chinese numerals after 第, compare as numbers (JSON-safe, for spools)."""
    normal = unicodedata.normalize("NFKC", text)
    if "第" in normal:
        normal = _ORDINAL.sub(lambda m: f"第{chinese_number(m.group(1))}", normal)
    parts = _DIGITS.split(normal)
    return [[1, int(p)] if p.isdigit() else [0, p] for p in parts if p]


def chinese_number(numerals: str) -> int:
    """Chinese numerals up to 9999 as a number: 十一 → 11, 一百零五 → 105, 二〇二二 → 2022 (digit-wise)."""
    if not any(ch in _UNITS for ch in numerals):
        return int("".join(str(_NUMERALS[ch]) for ch in numerals))
    total, digit = 0, None
    for ch in numerals:
        if ch in _UNITS:
            total += (1 if digit is None else digit) * _UNITS[ch]
            digit = None
        else:
            digit = _NUMERALS[ch] if ch not in "〇零" else None
    return total + (digit or 0)
