"""附件1's derived indicators (rules.md family E), per department: 在职人员控制率, “三公经费”变动率 …

Reported for each department, checked by family E where a threshold applies, and the ratios the older
Hunan table's rows are scored by (`xltool.rules.criteria`).
"""

from __future__ import annotations

import math

import pandas as pd

from xltool.rules.frames import Frames, index_dicts

# The derived indicators of family E, each with how it is computed (shown under the scored 附件1).
DERIVED = {
    "在职人员控制率": "实际在职人数÷编制数",
    "三公经费变动率": "（本年决算数−上年决算数）÷上年决算数",
    "三公经费控制率": "三公经费决算数÷预算数",
    "公用经费控制率": "公用经费决算数÷预算数",
    "政府采购执行率": "政府采购决算数÷预算数",
    "预算调整率": "（附件2全年预算数−年初预算数）÷年初预算数",
}


def first_sids(frames: Frames, kind: str) -> pd.Series:
    """Department key → the sid of its first sheet of a kind."""
    sheets = frames.sheets
    return sheets[sheets["kind"] == kind].groupby("dept")["sid"].first()


def _ratio(num: float, den: float) -> float:
    return num / den if den and not math.isnan(den) and den != 0 and not math.isnan(num) else math.nan


def derived_frame(frames: Frames, budget: pd.DataFrame) -> pd.DataFrame:
    """Per department: the derived indicators (fractions; NaN when not computable), from 附件1 and the
    budget lines of 附件2 (`scoring.budget_lines`)."""
    basic = first_sids(frames, "basic_data")
    dept_table = first_sids(frames, "department")
    lines = index_dicts(budget, ("full_year", "initial"))
    lookup = frames.figure_index
    rows = []
    for dept in sorted(set(basic.index) | set(dept_table.index)):
        record: dict[str, object] = {"dept": dept}
        sid = basic.get(dept)
        if sid is not None:

            def get(row: str, col: str, sid: int = int(sid)) -> float:
                block = "spending" if row != "staff" else "staff"
                return lookup.get((sid, block, row, col), (math.nan, ""))[0]

            record["在职人员控制率"] = _ratio(get("staff", "actual"), get("staff", "authorized"))
            prior = get("three_public", "prior_actual")
            record["三公经费变动率"] = _ratio(get("three_public", "actual") - prior, prior)
            record["三公经费控制率"] = _ratio(get("three_public", "actual"), get("three_public", "budget"))
            record["公用经费控制率"] = _ratio(get("public_funds", "actual"), get("public_funds", "budget"))
            record["政府采购执行率"] = _ratio(get("procurement", "actual"), get("procurement", "budget"))
        dsid = dept_table.get(dept)
        if dsid is not None and dsid in lines:
            line = lines[dsid]
            record["预算调整率"] = _ratio(line["full_year"] - line["initial"], line["initial"])
        rows.append(record)
    frame = pd.DataFrame(rows, columns=["dept", *DERIVED])
    return frame.set_index("dept")
