"""What an .xlsx would ask python-calamine to build, bounded before calamine parses it.

The zip directory (sizes, ratios, parts), every XML part against its stated size (inflating beyond
it: refused) and for DTDs, then the sheets and shared strings scanned as calamine will read them — a
fast byte scan for plainly written files, an exact expat scan otherwise; plainly stored parts are
inflated from the zip's bytes (`zipparts.py`), the others read through zipfile.
The fast scan is `fast_scan.py`, the exact scan and its budget `exact_scan.py`; the parts inflated whole
are handed to calamine stored, so that it does not inflate them again (`stored.py`). An .xls is checked
and re-packed by `scan_xls.py`.
"""

from __future__ import annotations

import io
import zipfile
import zlib
from xml.parsers import expat

from xltool.read import limits
from xltool.read.exact_scan import Budget, SharedStrings, SheetScan, parse_part, read_sheet_names
from xltool.read.fast_scan import WHOLE_SHEET, WINDOW, fast_scan
from xltool.read.formulas import MAX_FORMULAS, SheetFormulas, formula_cells
from xltool.read.limits import (
    DTD_MARKS,
    MSG_BOMB,
    MSG_CORRUPT,
    MSG_DTD,
    MSG_DUPLICATE_PARTS,
    MSG_ENCRYPTED,
    MSG_NOT_WORKBOOK_ZIP,
    MSG_XLSB,
    MSG_XML,
    SourceError,
)
from xltool.read.stored import stored_copy
from xltool.read.zipparts import SHEET_PATH, XML_SUFFIXES, Parts, check_sizes, unopened

# ---------------------------------------------------------------------------------------------
# xlsx: the zip directory, then the parts calamine will parse


def _check_zip(data: bytes) -> SheetFormulas:
    """`checked_zip`'s formula cells."""
    return checked_zip(data)[1]


def checked_zip(data: bytes) -> tuple[bytes, SheetFormulas]:
    """Reject a truncated zip, a zip that holds no workbook, a zip bomb and oversized grids, unparsed.

    A part holding more than its headers state (which zipfile cuts off unseen, and calamine reads on)
    is refused as a damaged zip, MSG_CORRUPT, as zipfile refuses a part its CRC does not match.
    Returns the bytes to hand calamine — the zip with the parts inflated here stored (`stored.py`), or
    ``data`` — and the formula cells of each sheet (see `formulas.formula_cells`), read on the way.
    """
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError) as exc:
        raise unopened(data) from exc
    with archive:
        members = archive.infolist()
        names = {m.filename.lower() for m in members}
        if "xl/workbook.xml" not in names:
            # An .xlsb's binary sheets cannot be scanned before calamine builds their grids: refused.
            raise SourceError("error", MSG_XLSB if "xl/workbook.bin" in names else MSG_NOT_WORKBOOK_ZIP)
        if len(members) > limits.MAX_MEMBERS:
            raise SourceError("error", MSG_BOMB)
        # calamine looks parts up ignoring case: two parts whose names differ only so are ambiguous.
        if len(names) != len(members):
            raise SourceError("error", MSG_DUPLICATE_PARTS)
        check_sizes(members)
        try:
            budget = _check_parts(archive, members, data, names=False)  # its figures are not looked at
            return budget.stored or data, budget.formulas
        except SourceError:
            raise
        except expat.ExpatError as exc:
            raise SourceError("error", MSG_XML.format(detail=expat.ErrorString(exc.code))) from exc
        except RuntimeError as exc:  # a zip member encrypted with a zip password
            raise SourceError("error", MSG_ENCRYPTED) from exc
        except (zipfile.BadZipFile, zlib.error, EOFError, OSError, ValueError, NotImplementedError) as exc:
            raise SourceError("error", MSG_CORRUPT) from exc


_WHOLE_PARTS = ("xl/sharedstrings.xml", "xl/workbook.xml", "xl/_rels/workbook.xml.rels")


# Every DTD mark holds a "!" (in UTF-8 and in UTF-16): a head without one holds none.
_DTD_HINT = b"!" if all(b"!" in mark for mark in DTD_MARKS) else b""


def _has_dtd(head: bytes) -> bool:
    return head.find(_DTD_HINT) >= 0 and any(mark in head for mark in DTD_MARKS)


def _check_parts(
    archive: zipfile.ZipFile, members: list[zipfile.ZipInfo], data: bytes = b"", names: bool = True
) -> Budget:
    """Refuse DTDs in any XML part, then scan shared strings and sheets as calamine will read them.

    ``data`` is the zip's bytes, from which plain parts are inflated and checked to inflate to no more
    than their stated sizes (without it, zipfile reads all, and no such check is made).
    Without ``names``, a budget from the fast scan names its sheets by their parts' paths (the exact
    scan names them for its messages either way).
    """
    lowered = [m.filename.lower() for m in members]
    by_name = dict(zip(lowered, members, strict=True))
    sheets = [m for m, n in zip(members, lowered, strict=True) if "/worksheets/" in n and SHEET_PATH.match(n)]
    parts = Parts(archive, data, {*sheets, *(by_name[n] for n in _WHOLE_PARTS if n in by_name)})
    # Every part calamine may parse is checked to inflate to no more than its stated size on the way.
    for member, name in zip(members, lowered, strict=True):
        if name.endswith(XML_SUFFIXES):
            if _has_dtd(parts.head(member)):
                raise SourceError("error", MSG_DTD)
        elif member in parts.whole:  # a sheet part named otherwise
            parts.check(member)
    fast = fast_scan(parts, sheets, by_name, names)
    if fast is not None:
        fast.formulas = _formulas(parts, sheets, by_name)
        fast.stored = stored_copy(parts, members) if data else None
        return fast
    budget = Budget()
    shared = SharedStrings()
    if "xl/sharedstrings.xml" in by_name:
        parse_part(parts, by_name["xl/sharedstrings.xml"], shared, budget)
        budget.add_chars(sum(shared.every))  # calamine keeps the table itself too
    sheet_names = read_sheet_names(parts, by_name, budget)
    for member in sheets:
        scan = SheetScan(shared)
        parse_part(parts, member, scan, budget)
        budget.add_sheet(sheet_names.get(member.filename.lower(), member.filename), scan.rows, scan.cols)
        budget.add_chars(scan.chars)
    budget.formulas = _formulas(parts, sheets, by_name)
    budget.stored = stored_copy(parts, members) if data else None
    return budget


def _formulas(
    parts: Parts, sheets: list[zipfile.ZipInfo], by_name: dict[str, zipfile.ZipInfo]
) -> SheetFormulas:
    """Sheet name → its formula cells, for the sheets that hold any (most forms hold none)."""
    found = {}
    for member in sheets:
        cells = _formula_cells(parts, member)
        if cells:
            found[member.filename.lower()] = cells
    if not found:
        return {}
    titles = read_sheet_names(parts, by_name, Budget())
    return {titles.get(path, path): cells for path, cells in found.items()}


def _formula_cells(parts: Parts, member: zipfile.ZipInfo) -> dict[tuple[int, int], str | None]:
    """A sheet's formula cells (`formulas.formula_cells`); a large sheet read a window at a time."""
    if member.file_size <= WHOLE_SHEET:
        data = parts.read(member)
        return formula_cells(data) if b"<f" in data else {}
    cells: dict[tuple[int, int], str | None] = {}
    for window in parts.windows(member, b"<c", WINDOW):
        if window is None:  # no cell boundary to cut at: read whole after all
            data = parts.read(member)
            return formula_cells(data) if b"<f" in data else {}
        if b"<f" in window and len(cells) < MAX_FORMULAS:
            cells.update(formula_cells(window))
    return dict(list(cells.items())[:MAX_FORMULAS])
