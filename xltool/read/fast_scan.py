"""The fast scan of a plainly written .xlsx: byte searches bound its parts, else the exact scan runs."""

from __future__ import annotations

import functools
import re
import zipfile

from xltool.read import limits
from xltool.read.exact_scan import Budget, cell_ref, read_sheet_names
from xltool.read.zipparts import Parts

# The fast scan: what Excel, WPS and most writers produce — every cell element written `<c r="A1" …`,
# no namespace prefixes — is bounded with a few byte searches instead of an expat pass. Its figures
# are upper bounds (every addressed cell counts, filled or not; every shared-string cell counts the
# longest string); anything it cannot bound (also any `<!` — comments, CDATA, declarations), or a
# bound beyond a limit, falls back to the exact scan.
#
# A grid is first bounded by the widest addresses' letter and digit counts (A1…Z99 for a sheet whose
# addresses have one letter and at most two digits), the shared-string cells by the bytes a `t="s"`
# takes at least, then by the `"s"` closing each. Only when a bound is beyond a limit are the
# addresses read one by one and the `t="s"` counted, so the fast scan takes the same files as
# reading every address would.
_CELL_START = re.compile(rb"<c[\s>/]")
_CELL_REF = re.compile(rb'<c\s+r="([A-Za-z]{1,4})([0-9]{1,10})"')
_PLAIN_REF = re.compile(rb'<c\s+r="([A-Za-z]{1,4})((?!0+")[0-9]{1,10})"')
_SHARED_CELL = re.compile(rb"""\st\s*=\s*["']s["']""")
_PREFIXED = re.compile(rb"<[A-Za-z_][^\s>/:]*:")
_SI = re.compile(rb"<si(?:\s[^>]*)?>(.*?)</si>", re.DOTALL)
_SI_START = re.compile(rb"<si[\s>/]")
_SHARED_CELL_BYTES = 6  # the fewest a _SHARED_CELL match takes: a first bound needs no search
# A part's tag skeleton: "<", ":", and what ends a tag name (white space, ">", "/", each read as " ").
# A prefixed tag, `<x…:`, leaves `<:` in it; most parts have none, and _PREFIXED need not search them.
_SKELETON = bytes.maketrans(b"\t\n\r\x0b\x0c>/", b" " * 7)
_SKELETON_DROPPED = bytes(c for c in range(256) if c not in b"<: \t\n\r\x0b\x0c>/")
# The columns within 0…4 letters (Z, ZZ, …).
_COLUMNS_WITHIN = tuple(sum(26**n for n in range(1, letters + 1)) for letters in range(5))


def fast_scan(
    parts: Parts,
    sheets: list[zipfile.ZipInfo],
    by_name: dict[str, zipfile.ZipInfo],
    names: bool,
    exact: bool = False,
) -> Budget | None:
    """Bounds of a plainly written workbook within every limit, or None (then the exact scan runs).

    With ``exact``, grids and shared-string cells are counted address by address; without, they are
    bounded first, and counted so only when a bound is beyond a limit.
    """
    markup = 0
    longest = table = 0
    if "xl/sharedstrings.xml" in by_name:
        data = parts.read(by_name["xl/sharedstrings.xml"])
        tags = _plain_tags(data)
        found = None if tags is None else _longest_shared_string(data)
        if tags is None or found is None:
            return None
        longest, table = found, len(data)
        markup += tags
    chars = table
    grids: list[tuple[zipfile.ZipInfo, int, int]] = []
    for member in sheets:
        data = parts.read(member)
        tags = _plain_tags(data)
        grid = None if tags is None else _exact_grid(data) if exact else _grid_bound(data)
        if tags is None or grid is None:
            return None
        grids.append((member, *grid))
        shared = len(_SHARED_CELL.findall(data)) if exact else len(data) // _SHARED_CELL_BYTES
        chars += shared * longest + len(data)
        markup += tags
    if markup > limits.MAX_MARKUP:
        return None
    if chars > limits.MAX_TEXT_CHARS and not exact:  # bound the shared-string cells closer
        chars = table + sum(len(d) + _shared_cells_bound(d) * longest for d in map(parts.read, sheets))
    cells = sum(rows * cols for _, rows, cols in grids)
    if (
        chars > limits.MAX_TEXT_CHARS
        or cells > limits.MAX_WORKBOOK_CELLS
        or any(rows * cols > limits.MAX_SHEET_CELLS for _, rows, cols in grids)
    ):
        return None if exact else fast_scan(parts, sheets, by_name, names, exact=True)
    budget = Budget()
    titles = read_sheet_names(parts, by_name, budget, names)
    budget.sheets = [(titles.get(m.filename.lower(), m.filename), rows, cols) for m, rows, cols in grids]
    budget.markup += markup
    budget.cells, budget.chars = cells, chars
    return budget


def _plain_tags(data: bytes) -> int | None:
    """How many "<" a part holds, None if it holds a `<!` or a prefixed tag."""
    skeleton = data.translate(_SKELETON, _SKELETON_DROPPED)
    # (find, not in: "in" reads a bytes operand as a number first, and that costs as much)
    if data.find(b"!") >= 0 and data.find(b"<!") >= 0:
        return None
    if skeleton.find(b"<:") >= 0 and _PREFIXED.search(data) is not None:
        return None
    return skeleton.count(b"<")


def _longest_shared_string(data: bytes) -> int | None:
    """The length of the longest <si> body (up to its first </si>), None if the table is not plain."""
    strings = _tight_strings(data)
    if strings is None:
        strings = _SI.findall(data)
        if len(strings) != len(_SI_START.findall(data)) or any(b"<si" in body for body in strings):
            return None
    return max(map(len, strings), default=0) if len(strings) < limits.MAX_SHARED_STRINGS else None


def _tight_strings(data: bytes) -> list[bytes] | None:
    """The <si> bodies _SI finds in a table written `<si>…</si><si>…</si>`, None if not so written.

    Split at `</si><si>`, the pieces are the bodies, but for what comes before the first <si> and
    after the last </si>: when every other <si and </si> is those two, nothing else can be a body's.
    """
    strings = data.split(b"</si><si>")
    if len(strings) < 2 or data.count(b"<si") != len(strings) or data.count(b"</si>") != len(strings):
        return None
    _, opened, strings[0] = strings[0].partition(b"<si>")
    strings[-1], closed, _ = strings[-1].partition(b"</si>")
    return strings if opened and closed else None


def _exact_grid(data: bytes) -> tuple[int, int] | None:
    """Rows and columns reaching a worksheet's farthest cell address, None unless each is plain."""
    refs = _CELL_REF.findall(data)
    if len(refs) != len(_CELL_START.findall(data)):
        return None
    if not refs:
        return 0, 0
    numbers = [int(digits) for _, digits in refs]
    if min(numbers) == 0:
        return None
    widest = max((letters.upper() for letters, _ in refs), key=lambda x: (len(x), x))
    far = cell_ref(f"{widest.decode('ascii')}{max(numbers)}")
    return None if far is None else (far[0] + 1, far[1] + 1)


def _grid_bound(data: bytes) -> tuple[int, int] | None:
    """Rows and columns bounding a worksheet's cell addresses by their widest letter and digit counts.

    The box starts empty; every `<c` not written `<c r="A1"` within the box is looked at: an address
    beyond the box widens it and the search goes on from there (one pass over the sheet in all), any
    other form — spacing, a leading zero, no address — is left to _exact_grid.
    """
    at = 0
    last = _PLAIN_REF.match(data, max(data.rfind(b'<c r="'), 0))  # a first guess at the box
    letters, digits = (len(last[1]), len(last[2])) if last else (0, 0)
    while (outside := _outside_box(letters, digits).search(data, at)) is not None:
        at = outside.start()
        ref = _PLAIN_REF.match(data, at)
        if ref is None or (len(ref[1]) <= letters and len(ref[2]) <= digits):
            return _exact_grid(data)
        letters, digits = max(letters, len(ref[1])), max(digits, len(ref[2]))
    return 10**digits - 1, _COLUMNS_WITHIN[letters]


@functools.cache
def _outside_box(letters: int, digits: int) -> re.Pattern[bytes]:
    """`<c` unless it starts `<col…` or the like, or `<c r="A1"` with at most so many letters and digits."""
    if not letters or not digits:
        return re.compile(rb"<c(?![A-Za-z])")
    # Written without the {1,1} that would slow the search down.
    address = b"[A-Za-z]" if letters == 1 else b"[A-Za-z]{1,%d}" % letters
    address += b"[1-9]" if digits == 1 else b"[1-9][0-9]{0,%d}" % (digits - 1)
    return re.compile(rb'<c(?! r="%s"|[A-Za-z])' % address)


def _shared_cells_bound(data: bytes) -> int:
    """At least the number of `t="s"` in a part: each ends in its own `"s"` (or the like, quoted ')."""
    if data.find(b"'") < 0:
        return data.count(b'"s"')
    return sum(data.count(quoted) for quoted in (b'"s"', b"'s'", b"\"s'", b"'s\""))
