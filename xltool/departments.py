"""Which department each form belongs to: names normalised, forms grouped."""

from __future__ import annotations

import re
import unicodedata
from collections import defaultdict
from collections.abc import Sequence
from pathlib import PurePosixPath

from xltool.models import FormSheet

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


def group_forms(forms: Sequence[FormSheet]) -> list[tuple[str, FormSheet]]:
    """Give every form its department key, in input order.

    A form is grouped by the department it names. 附件1 and 附件2 name the department; a 附件3 (or a form
    whose name is missing or matches no known department) that sits in a folder holding exactly one
    known department joins that one — a wrong 主管部门 is then reported by rule D-DEPARTMENT-NAME rather
    than splitting the department in two.
    """
    known_by_folder: dict[str, set[str]] = defaultdict(set)
    known: set[str] = set()
    for form in forms:
        name = normalise_department(form.department)
        if form.kind in ("basic_data", "department") and name:
            known.add(name)
            known_by_folder[_folder(form.file)].add(name)
    keyed: list[tuple[str, FormSheet]] = []
    for form in forms:
        name = normalise_department(form.department)
        folder = _folder(form.file)
        if name in known:
            key = name
        elif len(known_by_folder.get(folder, ())) == 1:
            key = next(iter(known_by_folder[folder]))
        else:
            key = name or (PurePosixPath(folder).name if folder else PurePosixPath(form.file).stem)
        keyed.append((key, form))
    return keyed


def _folder(file: str) -> str:
    return str(PurePosixPath(file).parent) if "/" in file else ""
