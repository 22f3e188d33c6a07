"""The rule catalogue: every id is well-formed, bound to a check, and tested somewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from xltool.rules.catalogue import BY_ID, DOCUMENT_FAMILIES, FAMILIES, FORM_RULES, RULES
from xltool.rules.engine import REGISTRY, registered_rules
from xltool.rules.messages import parse, render

TESTS = Path(__file__).resolve().parent


def test_ids_are_unique_and_well_formed() -> None:
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids)) == len(BY_ID)
    for info in RULES:
        assert re.fullmatch(r"[A-GINY](-[A-Z0-9]+)+", info.id), info.id
        assert info.id[0] == info.family and info.family in FAMILIES
        assert info.severity in ("error", "warning", "info")
        assert re.search(r"[\u4e00-\u9fff]", info.title), f"{info.id}: the description is Chinese"


def test_every_rule_has_a_short_chinese_name_and_a_basis_or_none() -> None:
    names = [info.name for info in RULES]
    assert len(names) == len(set(names)), "names tell rules apart"
    for info in RULES:
        assert re.fullmatch(r"[\u4e00-\u9fff“”0-9%]{2,10}", info.name), info.id
        # A basis names its document: a 财预 circular, the budget law, or the Hunan form.
        assert info.basis is None or re.match(
            r"(财预〔20\d\d〕\d+号|《中华人民共和国预算法》|湖南 )", info.basis
        )


def test_every_catalogued_rule_has_a_check() -> None:
    rules = registered_rules()
    assert [r.id for r in rules] == [info.id for info in FORM_RULES]
    # The written-report rules (family N) are run by rules/narrative.py, not over the frames.
    assert set(REGISTRY) == {r.id for r in RULES if r.family not in DOCUMENT_FAMILIES}
    for registered in rules:
        info = BY_ID[registered.id]
        assert (registered.family, registered.severity, registered.title) == (
            info.family,
            info.severity,
            info.title,
        )


@pytest.mark.parametrize(
    ("rule", "severity"),
    [
        # rules.md, family B: execution above the full-year budget is an error in 附件2/3 …
        ("B-EXEC-OVER", "error"),
        # … while 附件1 决算 above 预算 is normal when money was added: info, never an error
        ("B-ACTUAL-ABOVE-BUDGET", "info"),
        ("B-EXEC-LOW", "warning"),
        ("B-ADJUSTMENT", "warning"),
        ("B-UNBUDGETED", "warning"),
        # family C: overstated self-score an error, understated an info
        ("C-SCORE-OVER", "error"),
        ("C-SCORE-UNDER", "info"),
        ("C-REASON-MISSING", "warning"),
        ("C-QUALITATIVE-BAND", "warning"),
        # family E: thresholds are warnings
        ("E-STAFF-OVER", "warning"),
        ("E-THREE-PUBLIC-GROWTH", "warning"),
    ],
)
def test_severities_follow_rules_md(rule: str, severity: str) -> None:
    assert BY_ID[rule].severity == severity


def test_every_rule_id_appears_in_a_test_module() -> None:
    """A rule with no test fails here: each id must be named (quoted) in some tests/test_*.py."""
    texts = {
        path.name: path.read_text(encoding="utf-8")
        for path in sorted(TESTS.glob("test_*.py"))
        if path.name != Path(__file__).name
    }
    untested = [info.id for info in RULES if not any(f'"{info.id}"' in text for text in texts.values())]
    assert untested == [], f"rules with no test: {untested}"


def test_every_message_template_is_well_formed() -> None:
    assert all(info.message == "" for info in RULES if info not in FORM_RULES)  # they quote a report
    for info in FORM_RULES:
        templates = [info.message] if isinstance(info.message, str) else list(info.message.values())
        assert templates and (isinstance(info.message, str) or "" in info.message), info.id
        for template in templates:
            assert re.search(r"[\u4e00-\u9fff]", template) or template == "{problem}", info.id
            for _, field, spec in parse(template):
                if field is not None:
                    assert field.isidentifier() and spec in ("", "num", "rate", ".0f"), (info.id, field, spec)


def test_render_prints_figures_as_people_write_them() -> None:
    values = {"name": "旱改水", "score": 8.2600000001, "rate": 0.826, "times": 1203.6, "n": 3}
    text = render("“{name}”{score:num}分，执行率{rate:rate}，{times:.0f}倍，{n}个，{{原样}}", values)
    assert text == "“旱改水”8.26分，执行率82.60%，1204倍，3个，{原样}"
    assert render("{x:num}", {"x": float("nan")}) == "空"
    with pytest.raises(KeyError):
        render("{missing}", {})
