"""The budget grids and label → value lists of a sheet, read into figures (a part of the form reader)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal

from xltool.forms.blocks import FormLayout, Grid, ListBlock, Role, Total
from xltool.forms.terms import Term, amount_unit, label_year
from xltool.model.records import Figure
from xltool.read.cells import a1, blank, cell_number, label_text
from xltool.read.labels import RECOGNITION_ORDER, BestKeys, Label, Sheet
from xltool.read.units import in_wan_yuan, unit_note_above, unit_scale

# How far below a grid's corner label its column headers may start.
HEADER_SEARCH_ROWS = 5


def _year_offset(grid: Grid, key: str) -> int | None:
    """The year of a column's header relative to the form year: -1 for ``{Y-1}年决算数``, 0 for ``{Y}``."""
    text = grid.column(key).term.text
    if "{Y-1}" in text:
        return -1
    return 0 if "{Y}" in text else None


def _form_year_from(grid: Grid, years: dict[str, int]) -> int | None:
    """The form year that the years written in the column headers imply."""
    for key, year in years.items():
        offset = _year_offset(grid, key)
        if offset is not None:
            return year - offset
    return None


def _parts_suffix(grid: Grid, relation: Total) -> str:
    """The ending the labels of a total's parts share: 专项 of 业务工作专项, 运行维护专项, 其他专项."""
    return _common_suffix([grid.row(p).term.cores()[0] for p in relation.parts])


def _common_suffix(texts: Sequence[str]) -> str:
    suffix = texts[0] if texts else ""
    for text in texts[1:]:
        while not text.endswith(suffix):
            suffix = suffix[1:]
    return suffix


# id(total) → `_parts_suffix`, for the totals of the recognised layouts (which live as long as this module).
_PART_SUFFIXES = {
    id(relation): _parts_suffix(grid, relation)
    for layout in RECOGNITION_ORDER
    for grid in layout.grids
    for relation in grid.totals
}


class GridReading:
    """Reads the grids and list blocks of the sheet `FormReader` holds (its state is declared here)."""

    sheet: Sheet
    layout: FormLayout
    missing: list[tuple[str, str]]  # (what, Chinese message): see `Variant.omits` for the keys

    def _missing(self, key: str, message: str) -> None:
        self.missing.append((key, message))

    figures: list[Figure]
    column_years: dict[str, int]
    label_cells: set[tuple[int, int]]
    boundaries: list[int]
    header_cells: set[tuple[int, int]]  # cells of the upper row of a two-row grid header
    scales: dict[str, Decimal]  # amount column key → 万元 per unit, for the grid being read
    units: dict[str, str]  # block key → the money unit its amounts are written in, when not 万元

    def _next_boundary(self, after: int, skip: Iterable[int] = ()) -> int:
        skipped = set(skip)
        return next((r for r in self.boundaries if r > after and r not in skipped), len(self.sheet.rows))

    # -- grids ----------------------------------------------------------------------------

    def _read_grids(self, title_year: int | None) -> int | None:
        """Read every grid into figures; returns the form year its column headers imply, if any."""
        header_year: int | None = None
        for grid in self.layout.grids:
            implied = self._read_grid(grid, title_year)
            header_year = header_year or implied
        return header_year

    def _read_grid(self, grid: Grid, title_year: int | None) -> int | None:
        sheet = self.sheet
        corner = sheet.first(grid.corner) if grid.corner is not None else None
        corner_name = label_text(grid.corner) if grid.corner is not None else label_text(grid.columns[0].term)
        single = len(grid.rows) == 1
        if corner is not None:
            stop = self._next_boundary(corner.row)
            end = stop if single else min(stop, corner.row + HEADER_SEARCH_ROWS + 1)
            headers = self._header_rows(grid, range(corner.row, end), title_year)
        else:
            headers = self._header_rows(grid, range(len(sheet.rows)), title_year)
            if headers and not single:
                headers = [max(headers, key=lambda h: len(h[1]))]
        if not headers:
            names = "”“".join(label_text(c.term) for c in grid.columns[:3])
            where = f"在“{corner_name}”右侧和下方查找" if corner is not None else "在整张表中查找"
            self._missing(f"grid:{grid.key}", f"未找到“{names}”等列标题（{where}）")
            return None
        header_row, columns = headers[0]
        self._set_units(grid, corner, headers)
        own_rows = [r for r, _ in headers] + ([corner.row] if corner is not None else [])
        stop = self._next_boundary(header_row, skip=own_rows)
        if single:
            self._read_single_row(grid, headers, stop)
        else:
            self._read_labelled_rows(grid, header_row, columns, stop, corner_name)
        found = {key for _, mapping in headers for key in mapping}
        for i, column in enumerate(grid.columns):
            if column.key not in found and any(row.roles[i] == "input" for row in grid.rows):
                self._missing(
                    f"column:{grid.key}.{column.key}",
                    f"未找到“{label_text(column.term)}”列（在“{corner_name}”的标题行查找）",
                )
        years = {key: y for key, c in columns.items() if (y := label_year(self._header_text(header_row, c)))}
        if all("{Y" in c.term.text for c in grid.columns):  # 附件1 经费控制情况: every column has a year
            self.column_years.update(years)
        return _form_year_from(grid, years)

    def _set_units(self, grid: Grid, corner: Label | None, headers: list[tuple[int, dict[str, int]]]) -> None:
        """The money unit of each amount column: its own header's, else the corner's, else a unit line
        above the table (单位：元); kept in ``scales`` (万元 per unit) and ``units`` (as written)."""
        top = min([r for r, _ in headers] + ([corner.row] if corner is not None else []))
        declared = amount_unit(self.sheet.cell(corner.row, corner.col)) if corner is not None else None
        declared = declared or unit_note_above(self.sheet, top)
        self.scales = {}
        for header_row, mapping in headers:
            for key, c in mapping.items():
                if grid.column(key).fmt != "amount":
                    continue
                unit = amount_unit(self._header_text(header_row, c)) or declared
                scale = unit_scale(unit)
                if scale is not None and unit is not None:
                    self.scales[key] = scale
                    self.units.setdefault(grid.key, unit)

    def _header_text(self, r: int, c: int) -> object:
        """The header of column ``c`` in header row ``r``, or in the row above it when merged there."""
        value = self.sheet.cell(r, c)
        if blank(value) and (r - 1, c) in self.header_cells:
            return self.sheet.cell(r - 1, c)
        return value

    def _header_rows(
        self, grid: Grid, rows: range, title_year: int | None
    ) -> list[tuple[int, dict[str, int]]]:
        """Rows in ``rows`` holding at least two of the grid's column labels, each with key → column."""
        keyed = [(c.key, c.term) for c in grid.columns]
        by_row: dict[int, list[Label]] = {}
        for _, term in keyed:
            for label, _ in self.sheet.find(term):
                if label.row in rows:
                    by_row.setdefault(label.row, []).append(label)
        headers: list[tuple[int, dict[str, int]]] = []
        for r in sorted(by_row):
            if len({(label.col) for label in by_row[r]}) < 2:
                continue
            mapping = self._assign_columns(grid, r, self.sheet.best_keys(by_row[r], keyed), title_year)
            if len(mapping) < 2:
                continue
            previous = headers[-1] if headers else None
            # A header over two rows (预算执行情况 over 年初 / 全年 / 执行数, 分值 … merged down): one header
            # ending at its lower row, when the rows name different columns.
            if (
                previous is not None
                and previous[0] == r - 1
                and not previous[1].keys() & mapping.keys()
                and not set(previous[1].values()) & set(mapping.values())
            ):
                self.header_cells.update({(r - 1, c) for c in previous[1].values()})
                headers[-1] = (r, previous[1] | mapping)
            else:
                headers.append((r, mapping))
        return headers

    def _assign_columns(self, grid: Grid, r: int, best: BestKeys, title_year: int | None) -> dict[str, int]:
        """Column key → column; a header matching several keys (决算数) goes by its year, then by order."""
        mapping: dict[str, int] = {}
        ambiguous: list[tuple[int, list[str]]] = []
        for (_, c), (_, keys) in sorted(best.items(), key=lambda item: item[0][1]):
            if len(keys) == 1:
                mapping.setdefault(keys[0], c)
            else:
                ambiguous.append((c, keys))
        if not ambiguous:
            return mapping
        years = {key: y for key, c in mapping.items() if (y := label_year(self.sheet.cell(r, c)))}
        form_year = _form_year_from(grid, years) or title_year
        for c, keys in ambiguous:
            free = [k for k in keys if k not in mapping]
            year = label_year(self.sheet.cell(r, c))
            if year is not None and form_year is not None:
                free = [k for k in free if _year_offset(grid, k) == year - form_year] or free
            if free:
                mapping[free[0]] = c
        return mapping

    def _read_labelled_rows(
        self, grid: Grid, header_row: int, columns: dict[str, int], stop: int, corner_name: str
    ) -> None:
        first_value_col = min(columns.values())
        rows = range(header_row + 1, stop)
        candidates = [label for label in self.sheet.labels_in(rows) if label.col < first_value_col]
        best = self.sheet.best_keys(candidates, [(row.key, row.term) for row in grid.rows])
        positions: dict[str, int] = {}
        for (r, _), (_, keys) in sorted(best.items()):
            positions.setdefault(keys[0], r)
        for row in grid.rows:
            at = positions.get(row.key)
            if at is not None:
                self._add_figures(grid, row.key, row.roles, at, columns)
            elif row.key not in grid.optional_rows:
                self._missing(
                    f"row:{grid.key}.{row.key}",
                    f"未找到“{label_text(row.term)}”行（在“{corner_name}”下方查找）",
                )
        taken = {r for r, _ in best}
        for total in grid.totals:
            self._read_extra_parts(grid, total, candidates, taken, positions, stop, columns)

    def _read_extra_parts(
        self,
        grid: Grid,
        relation: Total,
        candidates: list[Label],
        taken: set[int],
        positions: dict[str, int],
        stop: int,
        columns: dict[str, int],
    ) -> None:
        """Rows beyond a total's declared parts, like ``4、信息化专项``, as ``<total>_extra_<n>``."""
        total, parts = relation.total, relation.parts
        start = positions.get(total)
        if start is None:
            return
        suffix = _PART_SUFFIXES.get(id(relation))
        if suffix is None:
            suffix = _parts_suffix(grid, relation)
        if not suffix:
            return
        end = min((r for k, r in positions.items() if r > start and k not in parts), default=stop)
        rows = sorted(
            {label.row for label in candidates if start < label.row < end and label.core.endswith(suffix)}
            - taken
        )
        roles = grid.row(parts[-1]).roles
        for n, r in enumerate(rows, start=1):
            self._add_figures(grid, f"{total}_extra_{n}", roles, r, columns)

    def _read_single_row(self, grid: Grid, headers: list[tuple[int, dict[str, int]]], stop: int) -> None:
        """A one-row grid, possibly split over several header rows each followed by its values (楼堂馆所)."""
        row = grid.rows[0]
        mapped: set[str] = set()
        for i, (header_row, mapping) in enumerate(headers):
            columns = {k: c for k, c in mapping.items() if k not in mapped}
            if not columns:
                continue
            mapped.update(columns)
            end = headers[i + 1][0] if i + 1 < len(headers) else stop
            value_row = self._value_row(row.term, header_row, end, columns)
            if value_row is not None:
                self._add_figures(grid, row.key, row.roles, value_row, columns)

    def _value_row(self, term: Term, header_row: int, end: int, columns: dict[str, int]) -> int | None:
        """The row labelled ``term``, else the first row below the header with values, else the next row."""
        label = self.sheet.first(term, range(header_row + 1, end))
        if label is not None:
            return label.row
        for r in range(header_row + 1, end):
            if any(not blank(self.sheet.cell(r, c)) for c in columns.values()):
                return r
        return header_row + 1 if header_row + 1 < end else None

    def _add_figures(
        self, grid: Grid, row_key: str, roles: tuple[Role, ...], r: int, columns: dict[str, int]
    ) -> None:
        rows = self.sheet.rows
        row = rows[r] if 0 <= r < len(rows) else []
        for column in grid.columns:  # every role: a figure where the form takes none is checked too
            c = columns.get(column.key)
            if c is None or not 0 <= c < len(row):  # no such cell in the file
                continue
            raw = row[c]
            value, problem = cell_number(raw, column.fmt)
            if self.scales and column.key in self.scales:
                value = in_wan_yuan(value, self.scales[column.key])
            self.figures.append(Figure(grid.key, row_key, column.key, value, raw, a1(r, c), problem))

    # -- list blocks ----------------------------------------------------------------------

    def _read_list(self, block: ListBlock) -> None:
        """Label → value pairs under a heading; side-by-side blocks share rows but not columns."""
        sheet = self.sheet
        heading_term = block.heading
        if heading_term is None:
            return  # every declared list block has a heading
        heading = sheet.first(heading_term)
        if heading is None:
            self._missing(f"list:{block.key}", f"未找到“{label_text(heading_term)}”（在整张表中查找）")
            return
        others = [
            label.col
            for other in self.layout.lists
            if other.heading is not None and other is not block
            for label, _ in sheet.find(other.heading)
            if label.row == heading.row and label.col > heading.col
        ]
        col_end = min(others, default=1 << 30)
        rows = range(heading.row, self._next_boundary(heading.row))
        candidates = [label for label in sheet.labels_in(rows) if heading.col <= label.col < col_end]
        best = sheet.best_keys(candidates, [(item.key, item.term) for item in block.items])
        found: dict[str, tuple[int, int]] = {}
        for pos, (_, keys) in sorted(best.items()):
            found.setdefault(keys[0], pos)
        by_pos = {(label.row, label.col): label.inline for label in candidates if label.inline is not None}
        # The breakdown of a grid's total shares its unit (附件2: the 年度预算申请 block's).
        grid_units = [self.units[g.key] for g in self.layout.grids if g.key in self.units]
        unit = grid_units[0] if grid_units else unit_note_above(sheet, heading.row)
        scale = unit_scale(unit)
        if scale is not None and unit is not None:
            self.units[block.key] = unit
        for item in block.items:
            at = found.get(item.key)
            if at is None:
                self._missing(
                    f"item:{block.key}.{item.key}",
                    f"未找到“{label_text(item.term)}”（在“{label_text(heading_term)}”下方查找）",
                )
                continue
            r, c = at
            raw: object = by_pos.get(at)
            if at not in by_pos:
                value_col = self._list_value_col(r, c, col_end)
                if value_col is None:
                    continue
                c, raw = value_col, sheet.cell(r, value_col)
            value, problem = cell_number(raw, "amount")
            if scale is not None:
                value = in_wan_yuan(value, scale)
            self.figures.append(Figure(block.key, item.key, "value", value, raw, a1(r, c), problem))

    def _list_value_col(self, r: int, label_col: int, col_end: int) -> int | None:
        """The column of the first value right of a list label, before the next label."""
        row = self.sheet.rows[r]
        for c in range(label_col + 1, min(col_end, len(row))):
            if (r, c) in self.label_cells:
                break
            if not blank(row[c]):
                return c
        return label_col + 1 if label_col + 1 < min(col_end, len(row)) else None
