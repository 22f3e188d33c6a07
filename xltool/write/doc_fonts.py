"""The fonts of the Word documents: each typographic role's candidates, and the first one installed here.

The styles of write/official.py name them once (w:eastAsia for the Chinese text). The installed families
come from fontconfig; where they cannot be listed (Windows has the official fonts), the first candidate,
the official name, is used.
"""

from __future__ import annotations

import functools
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

# Each role's fonts, best first; the first is what a document names when the installed fonts are unknown.
TITLE_FONTS = (
    "方正小标宋简体",
    "方正小标宋_GBK",
    "华文中宋",
    "STZhongsong",
    "黑体",
    "SimHei",
    "Noto Serif CJK SC",
)
HEADING_FONTS = ("黑体", "SimHei", "Noto Sans CJK SC", "Source Han Sans SC", "WenQuanYi Zen Hei")
KAI_FONTS = ("楷体", "楷体_GB2312", "KaiTi", "STKaiti", "AR PL UKai CN", "Noto Serif CJK SC")
BODY_FONTS = ("仿宋", "仿宋_GB2312", "FangSong", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC")
SONG_FONTS = ("宋体", "SimSun", "Noto Serif CJK SC", "Source Han Serif SC")
LATIN_FONTS = ("Times New Roman",)
# Fonts that are bold by design: a fallback for them is set in bold.
_HEAVY = frozenset(TITLE_FONTS[:4])


@dataclass(frozen=True)
class Font:
    """A font a style names, and whether the style sets it in bold."""

    name: str
    bold: bool = False


@dataclass(frozen=True)
class Fonts:
    """The font of each typographic role."""

    title: Font
    heading: Font
    kai: Font
    body: Font
    song: Font
    latin: str


@functools.cache
def installed_families() -> frozenset[str] | None:
    """The font families fontconfig lists here; None where it cannot list them (no fc-list)."""
    fc_list = shutil.which("fc-list")
    if fc_list is None:
        return None
    try:
        done = subprocess.run(
            [fc_list, "--format", "%{family}\n"], capture_output=True, text=True, timeout=20, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return None
    names = {name.strip() for line in done.stdout.splitlines() for name in line.split(",")}
    return frozenset(n for n in names if n) or None


def _pick(candidates: Sequence[str], installed: frozenset[str] | None) -> Font:
    if installed is not None:
        for name in candidates:
            if name in installed:
                return Font(name, bold=candidates[0] in _HEAVY and name not in _HEAVY and "黑" not in name)
    return Font(candidates[0])


@functools.cache
def fonts() -> Fonts:
    """The fonts this machine's documents name (see the module docstring)."""
    installed = installed_families()
    body = _pick(BODY_FONTS, installed)
    title = _pick(TITLE_FONTS, installed)
    if title.name in ("黑体", "SimHei"):
        title = Font(title.name)
    latin = LATIN_FONTS[0] if installed is None or LATIN_FONTS[0] in installed else body.name
    kai = _pick(KAI_FONTS, installed)
    if kai.name == body.name:  # no 楷体 here: the second-level heading is set in the body font, bold
        kai = Font(kai.name, bold=True)
    return Fonts(title, _pick(HEADING_FONTS, installed), kai, body, _pick(SONG_FONTS, installed), latin)
