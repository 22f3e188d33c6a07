"""The fast scan of a plainly written .xlsx: byte searches bound its parts, else the exact scan runs."""

from __future__ import annotations

import functools
import re
import zipfile
from collections.abc import Iterator

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
# Text a sheet's cells can hold but for shared strings: a `t` other than s or n (str, inlineStr, d, b,
# e …), an <is>, or a <v> not plainly holding a number (see exact_scan.NUMBER).
# (Written to start at the `t`, the white space before it looked behind at: a search then goes from
# one `t` to the next instead of trying every white-space byte, four times as fast on a sheet.)
_TEXT_TYPE = re.compile(rb"""t(?<=\st)\s*=\s*["'](?![sn]["'])""")
_TEXT_VALUE = re.compile(rb"<v(?!>[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?</v>)")
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
    closer: list[tuple[int, int]] = []  # each sheet's other text and closer shared-cell bound, if needed
    for member in sheets:
        if member.file_size > WHOLE_SHEET:  # counted exactly, a window at a time
            counted = _windowed(parts, member)
        else:
            counted = _counted(parts.read(member), exact, longest)
        if counted is None:
            return None
        tags, grid, shared, other, closest = counted
        closer.append((other, closest))
        grids.append((member, *grid))
        chars += shared * longest + other
        markup += tags
    if markup > limits.MAX_MARKUP:
        return None
    if chars > limits.MAX_TEXT_CHARS and not exact:  # bound the shared-string cells closer
        chars = table + sum(other + shared * longest for other, shared in closer)
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


def _other_text(data: bytes) -> int:
    """At least the characters a sheet's cells hold but for shared strings: none when it holds only
    numbers and shared-string indexes, else its size."""
    if data.find(b"<is") >= 0 or _TEXT_TYPE.search(data) is not None or _TEXT_VALUE.search(data) is not None:
        return len(data)
    return 0


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


# The exact grid reads a sheet's addresses a window of about this many bytes at a time (a window ends
# before a `<c`, so that no address is cut): what it holds stays small however large the sheet.
WINDOW = 4 << 20


def _windows(data: bytes) -> Iterator[tuple[int, int]]:
    """(start, end) of windows covering ``data``, each ending where a `<c` starts (or at its end)."""
    start = 0
    while start < len(data):
        end = data.find(b"<c", start + WINDOW) if start + WINDOW < len(data) else -1
        end = len(data) if end < 0 else end
        yield start, end
        start = end


def _exact_grid(data: bytes) -> tuple[int, int] | None:
    """Rows and columns reaching a worksheet's farthest cell address, None unless each is plain."""
    far = _Far()
    return far.grid() if all(far.add(data, start, end) for start, end in _windows(data)) else None


class _Far:
    """The farthest cell address of a sheet, its windows added one at a time."""

    def __init__(self) -> None:
        self.row = 0
        self.widest = b""

    def add(self, data: bytes, start: int = 0, end: int | None = None) -> bool:
        """Take in one window's addresses; False unless each is plain."""
        end = len(data) if end is None else end
        refs = _CELL_REF.findall(data, start, end)
        if len(refs) != len(_CELL_START.findall(data, start, end)):
            return False
        if refs:
            numbers = [int(digits) for _, digits in refs]
            if min(numbers) == 0:
                return False
            self.row = max(self.row, *numbers)
            self.widest = max(
                self.widest, *(letters.upper() for letters, _ in refs), key=lambda x: (len(x), x)
            )
        return True

    def grid(self) -> tuple[int, int] | None:
        """Rows and columns reaching the farthest address."""
        if not self.row:
            return 0, 0
        far = cell_ref(f"{self.widest.decode('ascii')}{self.row}")
        return None if far is None else (far[0] + 1, far[1] + 1)


# A sheet whose first shared-text bound is below this keeps it when the bounds are taken closer.
_CLOSER_FROM = 1 << 20
# A sheet part larger than this is not read whole: it is inflated and counted a window at a time.
WHOLE_SHEET = 16 << 20


# (tags, grid, shared-string cells, other text, shared-string cells bounded closer) of a sheet
_Counted = tuple[int, tuple[int, int], int, int, int]


def _counted(data: bytes, exact: bool, longest: int) -> _Counted | None:
    """What a sheet read whole holds: bounded, or with ``exact`` counted address by address."""
    tags = _plain_tags(data)
    grid = None if tags is None else _exact_grid(data) if exact else _grid_bound(data)
    if tags is None or grid is None:
        return None
    shared = _shared_cells(data) if exact else len(data) // _SHARED_CELL_BYTES
    # (the closer bound costs a pass: taken only where the first one is large)
    large = not exact and shared * longest > _CLOSER_FROM
    return tags, grid, shared, _other_text(data), _shared_cells_bound(data) if large else shared


def _windowed(parts: Parts, member: zipfile.ZipInfo) -> _Counted | None:
    """`_counted` of a large sheet, counted exactly window by window.

    None when it is not plainly written, or when a window cannot be cut before a tag.
    """
    far = _Far()
    tags = shared = other = size = 0
    for window in parts.windows(member, b"<c", WINDOW):
        if window is None:
            return None
        size += len(window)
        counted = _plain_tags(window)
        if counted is None or not far.add(window):
            return None
        tags += counted
        shared += len(_SHARED_CELL.findall(window))
        other = other or _other_text(window)
    grid = far.grid()
    return None if grid is None else (tags, grid, shared, size if other else 0, shared)


def _shared_cells(data: bytes) -> int:
    """The `t="s"` (or the like) in a sheet, counted a window at a time."""
    return sum(len(_SHARED_CELL.findall(data, start, end)) for start, end in _windows(data))


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
