"""The label index of one sheet: its label cells, each found by the declared term it matches.

Pure Python. The terms the reader looks up are numbered once; a sheet's `Sheet` is built in one pass
over its cells, and `find` and the other lookups go through it. What a short cell text gives as
labels (its cores, an inline value, the terms they match) is computed once per process and cached.
"""

from __future__ import annotations

import bisect
import functools
import operator
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass

from xltool.forms.blocks import FormLayout
from xltool.forms.hunan import HUNAN_DEPARTMENT
from xltool.forms.layouts import (
    BASIC_DATA,
    DEPARTMENT,
    FORMS,
    NOTE_PREFIXES,
    PROJECT,
)
from xltool.forms.terms import Term, label_core

Rows = list[list[object]]
# {(row, col): (quality, keys)}: for each label cell, the layout keys whose terms match it best.
BestKeys = dict[tuple[int, int], tuple[int, list[str]]]

# A sheet is recognised from its first rows (a form's labels are at its top, and a 10,000-row data sheet
# stays cheap); a recognised form is read whole (see reader.read_file).
MAX_ROWS = 1000
# Labels are short; longer texts are values (goals, reasons) and are not indexed as labels.
MAX_LABEL_LEN = 60
# A cell "label：value" holds its value inline when the label part is at most this long.
MAX_INLINE_LABEL_LEN = 16

# 附件3 before 附件2: a project sheet also carries 附件2's signature. The older Hunan 附件2 (投入 / 过程 …)
# is declared apart (`xltool.forms.hunan`): its three signature lookups cost nothing on other forms.
RECOGNITION_ORDER = (PROJECT, DEPARTMENT, HUNAN_DEPARTMENT, BASIC_DATA)
PROJECT_NAME = PROJECT.field_("project").term
UNIT_NOTE = BASIC_DATA.field_("unit_note").term
# Rows that end a form's last block: the footer line and the notes under a form.
FOOTER_TERMS = tuple(dict.fromkeys(Term(label_core(text)) for form in FORMS.values() for text in form.footer))

_COLON = re.compile(r"[:：]")


# Every term the reader looks up is declared in `layouts.py`. They are numbered once; each distinct
# cell text is matched against them once per process (`_cell_labels`), and a sheet's index maps a
# term's number to its label cells, so that a lookup is one dict access.


def layout_terms(layout: FormLayout) -> list[Term]:
    """The terms a form reader looks up: the layout's labels, the unit note and the footer lines."""
    terms: list[Term] = [f.term for f in layout.fields]
    for grid in layout.grids:
        terms += [c.term for c in grid.columns] + [r.term for r in grid.rows]
        terms += [grid.corner] if grid.corner is not None else []
    for block in layout.lists:
        terms += [item.term for item in block.items]
        terms += [block.heading] if block.heading is not None else []
    table = layout.indicators
    if table is not None:
        terms += [c.term for c in (*table.columns, *table.extra_columns)]
        terms += [level.term for level in table.level1] + [table.total]
        terms += [table.lead] if table.lead is not None else []
    return [*terms, UNIT_NOTE, *FOOTER_TERMS]


def _declared_terms() -> list[Term]:
    """Every term object the reader may look up (equal terms may appear as several objects)."""
    terms = [PROJECT_NAME]
    for layout in RECOGNITION_ORDER:
        terms += [*layout.signature, *layout_terms(layout)]
    return terms


class _Terms:
    """The declared terms, numbered, with the patterns of each indexed by their first two characters."""

    def __init__(self, declared: Sequence[Term]) -> None:
        self.objects = tuple(declared)  # kept alive, so that their ids stay theirs
        self.number: dict[Term, int] = {}
        for term in self.objects:
            self.number.setdefault(term, len(self.number))
        self.by_id = {id(term): self.number[term] for term in self.objects}
        self.terms = tuple(self.number)
        # head → (term number, index of the term's first pattern with that head)
        by_head: dict[str, dict[int, int]] = {}
        for n, term in enumerate(self.terms):
            for i, pattern in enumerate(term.cores()):
                by_head.setdefault(pattern[:2], {}).setdefault(n, i)
        self.by_head = {head: tuple(found.items()) for head, found in by_head.items()}

    def of(self, term: Term) -> int | None:
        """The number of a declared term (or of one equal to it), None for any other term."""
        number = self.by_id.get(id(term))
        return number if number is not None else self.number.get(term)

    def matches(self, core: str, split: bool) -> list[tuple[int, int, int]]:
        """(term number, quality, pattern order) of the terms a label core matches, as `Sheet.find` sees it.

        The pattern order is the index of the term's first pattern sharing the core's first two
        characters: of two labels of one cell matching one term, `find` gives that one first.
        """
        found = []
        for number, order in self.by_head.get(core[:2], ()):
            quality = self.terms[number].quality(core)
            if quality is not None and not (quality > 0 and split):
                found.append((number, quality, order))
        return found


_TERMS = _Terms(_declared_terms())
# id(layout) → the numbers of the terms `layout_terms` gives, for the recognised layouts.
LAYOUT_TERMS = {
    id(layout): frozenset(n for t in layout_terms(layout) if (n := _TERMS.of(t)) is not None)
    for layout in RECOGNITION_ORDER
}


@dataclass(frozen=True, slots=True)
class _CellText:
    """What a cell text holds as labels: computed once per distinct text."""

    labels: tuple[tuple[str, str | None, bool], ...]  # (core, inline value, split) in index order
    matches: tuple[tuple[int, int, int], ...]  # (term number, label index, quality) in lookup order
    note: bool  # a label starts a note (说明：…, 注：…)


@dataclass(slots=True)
class Label:
    row: int
    col: int
    core: str
    inline: str | None = None  # the value after the colon in "填报单位：桃源县自然资源局"
    split: bool = False  # whole text of a cell that also has an inline entry: matches exactly only


def _inline_value(text: str, head_core: str) -> str | None:
    """The text after the colon that ends the label ``head_core`` in ``text``, if any."""
    for match in _COLON.finditer(text):
        if label_core(text[: match.start()]) == head_core:
            return text[match.end() :].strip() or None
    return None


@functools.lru_cache(maxsize=16384)
def _cell_labels(text: str) -> _CellText:
    """The labels a short cell text gives: its core, and first "label：value" when it holds one."""
    core = label_core(text)
    if not core:
        return _CellText((), (), False)
    labels: list[tuple[str, str | None, bool]] = []
    colon = core.find(":")
    split = False
    if 0 < colon <= MAX_INLINE_LABEL_LEN and colon < len(core) - 1:
        inline = _inline_value(text, core[:colon])
        if inline is not None:
            labels.append((core[:colon], inline, False))
            split = True
    labels.append((core, None, split))
    # Two labels of one cell matching one term come in the order `Sheet.find` visits them:
    # by the term's first pattern sharing their head, then in index order.
    ranked = sorted(
        (number, order, i, quality)
        for i, (head, _, head_split) in enumerate(labels)
        for number, quality, order in _TERMS.matches(head, head_split)
    )
    return _CellText(
        tuple(labels),
        tuple((number, i, quality) for number, _, i, quality in ranked),
        any(label[0].startswith(NOTE_PREFIXES) for label in labels),
    )


# A cell holding labels: (row, column, its text's labels, its Label objects once made).
_LabelCell = tuple[int, int, _CellText, list[Label] | None]
_cell_row = operator.itemgetter(0)


def _make_labels(r: int, c: int, cell: _CellText) -> list[Label]:
    specs = cell.labels
    if len(specs) == 1:  # most cells: no "label：value"
        core, inline, split = specs[0]
        return [Label(r, c, core, inline, split)]
    return [Label(r, c, core, inline, split) for core, inline, split in specs]


class Sheet:
    """One sheet's cells and its label index.

    Only the labels that match a declared term are made into `Label` objects up front (they are
    what `find` returns); the others, mostly values such as indicator names, are made when a block
    asks for the labels of its rows (`labels_in`).
    """

    def __init__(self, rows: Rows) -> None:
        self.rows = rows
        self.note_rows: list[int] = []
        self._cells: list[_LabelCell] = []  # in row-major order
        # term number → [(label, quality)] in row-major order
        self._index: dict[int, list[tuple[Label, int]]] = {}
        self._other: dict[Term, list[tuple[Label, int]]] = {}  # undeclared terms, looked up by scan
        cells = self._cells
        for r, row in enumerate(self.rows):
            for c, value in enumerate(row):
                if type(value) is str and len(value) <= MAX_LABEL_LEN:
                    cell = _cell_labels(value)
                    if cell.matches:
                        self._index_cell(r, c, cell)
                    elif cell.labels:
                        cells.append((r, c, cell, None))
                        if cell.note:
                            self.note_rows.append(r)

    def _index_cell(self, r: int, c: int, cell: _CellText) -> None:
        """Make the labels of a cell that matches declared terms and enter them in the index."""
        made = _make_labels(r, c, cell)
        self._cells.append((r, c, cell, made))
        index = self._index
        for number, i, quality in cell.matches:
            entry = (made[i], quality)
            found = index.get(number)
            if found is None:
                index[number] = [entry]
            else:
                found.append(entry)
        if cell.note:
            self.note_rows.append(r)

    def find(self, term: Term) -> Sequence[tuple[Label, int]]:
        """Label cells matching ``term`` in row-major order, each with a quality (0 exact, lower better)."""
        number = _TERMS.of(term)
        if number is not None:
            return self._index.get(number, ())
        found = self._other.get(term)
        if found is None:
            found = self._other[term] = self._scan(term)
        return found

    def labels_in(self, rows: range) -> list[Label]:
        """The labels in the consecutive ``rows``, in row-major order."""
        cells = self._cells
        start = bisect.bisect_left(cells, rows.start, key=_cell_row)
        stop = bisect.bisect_left(cells, rows.stop, lo=start, key=_cell_row)
        labels: list[Label] = []
        for r, c, cell, made in cells[start:stop]:
            labels += made if made is not None else _make_labels(r, c, cell)
        return labels

    def find_all(self, numbers: Iterable[int]) -> Iterator[Label]:
        """The labels matching any of the declared terms ``numbers`` (a label once per term)."""
        for number in numbers:
            for label, _ in self._index.get(number, ()):
                yield label

    def _scan(self, term: Term) -> list[tuple[Label, int]]:
        """`find` for a term not declared in the layouts: Term.quality against every label sharing
        a pattern's first two characters (every layout term is at least two characters long)."""
        best: dict[int, tuple[Label, int]] = {}
        labels = self.labels_in(range(len(self.rows)))
        for pattern in term.cores():
            for label in labels:
                if label.core[:2] != pattern[:2] or id(label) in best:
                    continue
                quality = term.quality(label.core)
                if quality is None or (quality > 0 and label.split):
                    continue
                best[id(label)] = (label, quality)
        return sorted(best.values(), key=lambda item: (item[0].row, item[0].col))

    def first(self, term: Term, rows: range | None = None) -> Label | None:
        """The first label matching ``term`` (within ``rows``)."""
        for label, _ in self.find(term):
            if rows is None or label.row in rows:
                return label
        return None

    def cell(self, r: int, c: int) -> object:
        """The value at (r, c), None outside the grid."""
        if 0 <= r < len(self.rows):
            row = self.rows[r]
            if 0 <= c < len(row):
                return row[c]
        return None

    def exists(self, r: int, c: int) -> bool:
        """Whether the file has a cell at (r, c)."""
        return 0 <= r < len(self.rows) and 0 <= c < len(self.rows[r])

    def best_keys(self, labels: Iterable[Label], keyed: Sequence[tuple[str, Term]]) -> BestKeys:
        """For each of ``labels``' cells, the keys whose terms match it best (several on a tie)."""
        wanted = {(label.row, label.col) for label in labels}
        best: BestKeys = {}
        for key, term in keyed:
            for label, quality in self.find(term):
                pos = (label.row, label.col)
                if pos not in wanted:
                    continue
                current = best.get(pos)
                if current is None or quality < current[0]:
                    best[pos] = (quality, [key])
                elif quality == current[0] and key not in current[1]:
                    current[1].append(key)
        return best
