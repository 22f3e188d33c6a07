"""Family I: what was submitted, as found at intake (cycle.md): copies of one form set aside."""

from __future__ import annotations

from collections.abc import Iterator

from xltool.rules.engine import Context, Flagged, rule


@rule("I-DUPLICATE")
def duplicate_copies(ctx: Context) -> Iterator[Flagged]:
    """One finding per department that sent copies of a form, on the first sheet of the file kept."""
    if not ctx.duplicates:
        return
    sheets = ctx.frames.sheets
    first: dict[tuple[str, str], int] = {}
    for dept, file, sid in zip(sheets["dept"], sheets["file"], sheets["sid"], strict=True):
        first.setdefault((str(dept), str(file)), int(sid))
    rows = []
    for department, kept, fields in ctx.duplicates:
        sid = first.get((department, kept))
        if sid is None:
            sid = next((s for (d, _), s in first.items() if d == department), None)
        if sid is not None:
            rows.append({"sid": sid, "cell": "A1", **fields})
    yield Flagged(rows, cell="cell")
