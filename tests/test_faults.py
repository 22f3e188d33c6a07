"""Fault injection, numbers: figures of any size and kind never end a batch (issue: one bad cell).

Each odd number is put into every numeric cell of one department's three forms; the batch completes,
absurd magnitudes are findings on their cells, and the clean department beside them is untouched.
"""

from __future__ import annotations

import math
import shutil
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path

import pytest
from conftest import PROJECT_SHEET, Run, project_sheet
from support import faults
from typer.testing import CliRunner

from xltool.cli import app
from xltool.model.rounding import fmt_num, fmt_rate, round2, round_rate, stated_precision_tolerance
from xltool.run.pipeline import reconcile

ODD_FLOATS = (1e308, -1e308, 5e-324, -5e-324, -0.0, math.nan, math.inf, -math.inf, 2.0**53 + 0.5)
ODD_DECIMALS = (
    Decimal("999999999999999999999999999995"),
    Decimal("1e400"),
    Decimal("-1e-400"),
    Decimal(10**30),
)


@pytest.mark.parametrize("value", [*ODD_FLOATS, *ODD_DECIMALS], ids=repr)
def test_rounding_and_printing_take_any_number(value: float | Decimal) -> None:
    rounded = round2(value)
    assert rounded == rounded or math.isnan(float(value))
    assert isinstance(round_rate(float(value)), float)
    assert fmt_num(value) and fmt_rate(float(value)).endswith(("%", "空"))
    assert 0 < stated_precision_tolerance(float(value), 2) <= 0.006


def test_huge_figures_print_short_and_small_ones_exactly() -> None:
    printed = tuple(fmt_num(v) for v in (1e308, -1e308, 10**30, math.inf, -0.0, 5e-324, 2.675, 39575.025))
    assert printed == ("1e+308", "-1e+308", "1e+30", "无穷大", "0", "0", "2.68", "39575.03")
    assert (round2(Decimal("999999999999999999999999999995")), round2(2.675)) == (1e30, 2.68)
    assert (fmt_rate(-0.0), fmt_rate(0.826), fmt_rate(1e307)) == ("0.00%", "82.60%", "无穷大%")


@pytest.fixture(scope="module")
def odd_batch(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, str, dict[str, object]]:
    """A clean department and one department per odd number (that number in every numeric cell)."""
    src = tmp_path_factory.mktemp("odd")
    clean = faults.write_department(src, 1)
    poisoned: dict[str, object] = {}
    for k, value in enumerate(faults.ODD_NUMBERS):
        name = faults.write_department(src, 100 + k)
        assert faults.poison_numbers(src / name, value) > 50
        poisoned[name] = value
    return src, clean, poisoned


def test_odd_numbers_in_every_cell_complete_the_batch(
    odd_batch: tuple[Path, str, dict[str, object]], tmp_path: Path
) -> None:
    src, _clean, poisoned = odd_batch
    result = CliRunner().invoke(app, ["reconcile", str(src), "-o", str(tmp_path / "out"), "--jobs", "2"])
    assert result.exit_code == 0, result.output
    assert "Traceback" not in result.output
    data = faults.report(tmp_path / "out")
    assert {i["status"] for i in data["inputs"]} == {"ok"}
    assert len(data["departments"]) == 1 + len(poisoned)
    scored = [p for p in (tmp_path / "out").rglob("*.xlsx") if p.name != "审核汇总.xlsx"]
    assert len(scored) == len(data["inputs"])


def test_absurd_magnitudes_are_findings_on_their_cells(
    odd_batch: tuple[Path, str, dict[str, object]], tmp_path: Path
) -> None:
    src, _clean, poisoned = odd_batch
    data = reconcile(src, tmp_path / "out", jobs=1).report
    for name, value in poisoned.items():
        _, _, findings = faults.of_department(data, name)
        magnitude = [f for f in findings if f["rule"] == "F-MAGNITUDE"]
        assert bool(magnitude) == (value in faults.ABSURD), (name, value)
        assert all(f["cell"] != "A1" and "数值过大" in f["message"] for f in magnitude)


def test_a_clean_department_is_byte_identical_beside_odd_numbers(
    odd_batch: tuple[Path, str, dict[str, object]], tmp_path: Path
) -> None:
    src, clean, _ = odd_batch
    alone = tmp_path / "alone"
    shutil.copytree(src / clean, alone / clean)
    reconcile(src, tmp_path / "all", jobs=2)
    reconcile(alone, tmp_path / "one", jobs=1)
    together = faults.files(tmp_path / "all")
    single = faults.files(tmp_path / "one")
    assert single and {k: together[k] for k in single} == single
    assert faults.of_department(faults.report(tmp_path / "all"), clean) == faults.of_department(
        faults.report(tmp_path / "one"), clean
    )


def test_a_form_longer_than_a_thousand_rows_is_read_whole(check_rows: Callable[..., Run]) -> None:
    """1,125 indicators: every one read and scored, the 总分 row below them found (before: cut at row
    1,000 without a word, then scored 差 with findings blaming the form)."""
    indicators = tuple(
        ("产出指标(90分)", "数量指标", f"完成事项{k}", "≥10个", "10个", 0.08, 0.08, "") for k in range(1125)
    )
    rows = project_sheet(indicators=indicators, total_score=100)
    run = check_rows({"附件3 项目支出绩效自评表.xlsx": {PROJECT_SHEET: rows}})
    (form,) = run.ctx.frames.forms
    assert (len(form.indicators), form.indicators[-1].row) == (1125, 1137)
    assert run.rules() == set()
    assert (run.total(PROJECT_SHEET)["score"], run.total(PROJECT_SHEET)["grade"]) == (100, "优")
