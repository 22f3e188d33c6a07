"""Rule profiles: the built-in ones load, a user's file works, bad files are refused in Chinese."""

from __future__ import annotations

import json
from collections.abc import Callable
from importlib import resources
from pathlib import Path
from typing import Any

import pytest
from conftest import PROJECT_SHEET, Run

from xltool.rules.profile import BUILTIN, DEFAULT, Profile, ProfileError, load_profile

ProjectCheck = Callable[..., Run]


def builtin_data(name: str = "mof2020") -> dict[str, Any]:
    """A built-in profile's JSON as a dict."""
    text = resources.files("xltool.rules").joinpath(f"profiles/{name}.json").read_text(encoding="utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def write_profile(tmp_path: Path, data: object, name: str = "county.json") -> Path:
    path = tmp_path / name
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    return path


# ---------------------------------------------------------------------------------------------
# Built-in profiles


@pytest.mark.parametrize("name", BUILTIN)
def test_builtin_profiles_load(name: str) -> None:
    profile = load_profile(name)
    assert isinstance(profile, Profile)
    assert profile.name == name
    assert profile.weights == {"budget": 10, "output": 50, "benefit": 30, "satisfaction": 10}
    assert profile.qualitative_bands == {"achieved": (0.8, 1.0), "partial": (0.6, 0.8), "failed": (0.0, 0.6)}
    assert profile.grades == ((90, "优"), (80, "良"), (60, "中"), (0, "差"))
    assert (profile.amount_tolerance, profile.score_tolerance) == (0.01, 0.01)
    assert (profile.low_execution_rate, profile.adjustment_limit, profile.over_target_ratio) == (
        0.9,
        0.2,
        0.3,
    )


def test_default_profile_is_mof2020() -> None:
    assert DEFAULT == "mof2020"
    assert load_profile() == load_profile("mof2020")
    assert load_profile(None).over_target_deduction == 0
    assert load_profile().execution_caps == ()
    assert load_profile().reverse_scoring == "ratio"


def test_yitihua_deducts_and_caps() -> None:
    profile = load_profile("yitihua")
    assert profile.over_target_deduction == 2
    assert profile.execution_caps == ((0.8, 89), (0.7, 79), (0.6, 69), (0.5, 59))


def test_settings_list_every_key() -> None:
    settings = dict(load_profile().settings())
    assert set(settings) == set(builtin_data())
    assert settings["reverse_scoring"] == '"ratio"'


# ---------------------------------------------------------------------------------------------
# A user's profile file


def test_user_profile_file_loads_and_is_used(tmp_path: Path, check_project: ProjectCheck) -> None:
    data = builtin_data() | {
        "name": "county",
        "title": "某县口径",
        "low_execution_rate": 0.8,
        "reverse_scoring": "linear",
        "over_target_deduction": 1,
    }
    path = write_profile(tmp_path, data)
    profile = load_profile(path)
    assert (profile.name, profile.low_execution_rate, profile.reverse_scoring) == ("county", 0.8, "linear")
    assert load_profile(str(path)) == profile
    # 85 % is low for the built-in 90 %, not for this county's 80 %.
    figures = {
        "total": (100, 100, 85, 10, 0.85, 8.5),
        "fiscal": (100, 100, 85, "——", 0.85, "——"),
        "total_score": 98.5,
    }
    assert check_project(**figures).keys("B-EXEC-LOW") == {("B-EXEC-LOW", PROJECT_SHEET, "F6")}
    assert check_project(profile=profile, **figures).keys("B-EXEC-LOW") == set()


def test_user_profile_may_copy_a_builtin_unchanged(tmp_path: Path) -> None:
    assert load_profile(write_profile(tmp_path, builtin_data("yitihua"))) == load_profile("yitihua")


# ---------------------------------------------------------------------------------------------
# Bad profiles: ProfileError, in Chinese, naming the key and what is allowed


def refused(tmp_path: Path, data: object) -> str:
    with pytest.raises(ProfileError) as caught:
        load_profile(write_profile(tmp_path, data))
    return str(caught.value)


def test_unknown_key_is_named_with_the_known_ones(tmp_path: Path) -> None:
    message = refused(tmp_path, builtin_data() | {"low_exec_rate": 0.9})
    assert "未知的配置项“low_exec_rate”" in message
    assert "可用的配置项为" in message and "low_execution_rate" in message and "reverse_scoring" in message


def test_missing_key_is_named(tmp_path: Path) -> None:
    data = builtin_data()
    del data["adjustment_limit"]
    message = refused(tmp_path, data)
    assert "缺少配置项“adjustment_limit”" in message
    assert "mof2020.json" in message


def test_weights_must_add_up_to_100(tmp_path: Path) -> None:
    data = builtin_data() | {"weights": {"budget": 10, "output": 40, "benefit": 30, "satisfaction": 10}}
    message = refused(tmp_path, data)
    assert message == "配置项“weights”的权重合计为 90，应为 100"


def test_weights_must_name_the_four_parts(tmp_path: Path) -> None:
    data = builtin_data() | {"weights": {"budget": 10, "output": 60, "benefit": 30}}
    assert refused(tmp_path, data) == "配置项“weights”应包含 budget、output、benefit、satisfaction 四个权重"


def test_a_weight_must_be_a_number(tmp_path: Path) -> None:
    data = builtin_data() | {"weights": {"budget": "10", "output": 50, "benefit": 30, "satisfaction": 10}}
    message = refused(tmp_path, data)
    assert "“weights.budget”" in message and "0 到 100 之间的数字" in message


@pytest.mark.parametrize("value", ["proportional", "", None, 1])
def test_reverse_scoring_names_its_allowed_values(tmp_path: Path, value: object) -> None:
    message = refused(tmp_path, builtin_data() | {"reverse_scoring": value})
    assert message.startswith("配置项“reverse_scoring”的值")
    assert message.endswith("无效：可选值为 ratio、linear")


def test_bands_must_be_the_three_levels(tmp_path: Path) -> None:
    data = builtin_data() | {"qualitative_bands": {"achieved": [0.8, 1.0], "partial": [0.6, 0.8]}}
    assert refused(tmp_path, data) == "配置项“qualitative_bands”应包含 achieved、partial、failed 三档"


@pytest.mark.parametrize("band", [[0.8, 0.6], [0.6, 1.2], [-0.1, 0.6], [0.6], "0.6-0.8"])
def test_a_band_must_be_low_high_within_0_and_1(tmp_path: Path, band: object) -> None:
    bands = {"achieved": [0.8, 1.0], "partial": band, "failed": [0.0, 0.6]}
    message = refused(tmp_path, builtin_data() | {"qualitative_bands": bands})
    assert message == "配置项“qualitative_bands.partial”应为 [下限, 上限]，取值 0 到 1"


@pytest.mark.parametrize(
    ("key", "value", "says"),
    [
        ("low_execution_rate", 90, "“low_execution_rate”的值 90 无效：应为 0 到 1 之间的数字"),
        ("adjustment_limit", "20%", "“adjustment_limit”的值 '20%' 无效"),
        ("amount_tolerance", True, "“amount_tolerance”的值 True 无效"),
        ("execution_caps", [[80, 89]], "配置项“execution_caps”应为 [[执行率上限(0–1), 总分上限(0–100)], …]"),
        ("grades", [[90, 1]], '配置项“grades”应为 [[分数下限, "等级"], …]'),
        ("capped_rate_words", ["合格率", ""], "配置项“capped_rate_words”应为词语列表"),
        ("name", "", "配置项“name”应为非空字符串"),
    ],
)
def test_other_bad_values_are_named(tmp_path: Path, key: str, value: object, says: str) -> None:
    assert says in refused(tmp_path, builtin_data() | {key: value})


def test_not_an_object(tmp_path: Path) -> None:
    assert refused(tmp_path, [1, 2]) == "规则配置文件 county.json 应为一个JSON对象（{…}）"


def test_not_json(tmp_path: Path) -> None:
    path = tmp_path / "broken.json"
    path.write_text("{name: mof2020", encoding="utf-8")
    with pytest.raises(ProfileError) as caught:
        load_profile(path)
    assert str(caught.value).startswith("规则配置文件 broken.json 不是有效的JSON：")


def test_unknown_name_lists_the_builtins(tmp_path: Path) -> None:
    with pytest.raises(ProfileError) as caught:
        load_profile("mof2021")
    assert (
        str(caught.value)
        == "找不到规则配置“mof2021”：可用内置配置为 mof2020、yitihua，或给出一个JSON文件路径"
    )


def test_bands_must_rise_from_failed_to_achieved(tmp_path: Path) -> None:
    bands = {"achieved": [0.6, 0.8], "partial": [0.8, 1.0], "failed": [0.0, 0.6]}
    message = refused(tmp_path, builtin_data() | {"qualitative_bands": bands})
    assert "qualitative_bands" in message and "依次升高" in message


def test_every_setting_is_described_in_chinese() -> None:
    from xltool.rules.profile import SETTING_NAMES, Profile

    assert set(SETTING_NAMES) == set(Profile.__dataclass_fields__)


# ---------------------------------------------------------------------------------------------
# Which rules run: pick and skip; a profile written back as an editable file


@pytest.mark.parametrize("name", BUILTIN)
def test_exported_profile_loads_back_equal(tmp_path: Path, name: str) -> None:
    profile = load_profile(name).select(pick=["A", "B-EXEC-LOW"], skip=["A-UNREADABLE"])
    path = tmp_path / "exported.json"
    path.write_text(profile.to_json(), encoding="utf-8")
    assert load_profile(path) == profile
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["weights"] == {"budget": 10, "output": 50, "benefit": 30, "satisfaction": 10}  # no 10.0
    assert set(data["_注释"]) == set(data) - {"_注释"}


def test_pick_and_skip_choose_rules_by_id_or_family() -> None:
    profile = load_profile()
    assert profile.runs("C-SCORE-OVER") and profile.runs("F-SCALE")
    picked = profile.select(pick=["C", "F-SCALE"], skip=["C-SCORE-UNDER"])
    assert (picked.pick, picked.skip) == (("C", "F-SCALE"), ("C-SCORE-UNDER",))
    runs = {
        rule: picked.runs(rule)
        for rule in ("C-SCORE-OVER", "C-SCORE-UNDER", "F-SCALE", "F-NEGATIVE", "A-SUM-PARTS")
    }
    assert runs == {
        "C-SCORE-OVER": True,
        "C-SCORE-UNDER": False,
        "F-SCALE": True,
        "F-NEGATIVE": False,
        "A-SUM-PARTS": False,
    }
    # More skips add to the profile's; a new pick replaces its pick.
    again = picked.select(pick=["B"], skip=["B-EXEC-LOW"])
    assert (again.pick, again.skip) == (("B",), ("C-SCORE-UNDER", "B-EXEC-LOW"))


def test_a_skipped_rule_reports_nothing_and_scores_stay(check_project: ProjectCheck) -> None:
    figures = {"total": (100, 100, 85, 10, 0.85, 8.5), "fiscal": (100, 100, 85, "——", 0.85, "——")}
    every = check_project(**figures)
    assert {"B-EXEC-LOW", "A-TOTAL-STATED"} <= every.rules()
    skipped = check_project(profile=load_profile().select(skip=["B-EXEC-LOW"]), **figures)
    assert skipped.rules() == every.rules() - {"B-EXEC-LOW"}
    assert skipped.total(PROJECT_SHEET)["score"] == every.total(PROJECT_SHEET)["score"]


def test_profile_file_may_skip_and_refuses_unknown_rules(tmp_path: Path) -> None:
    profile = load_profile(write_profile(tmp_path, builtin_data() | {"skip": ["F", "G-NO-INDICATORS"]}))
    assert (profile.runs("F-SCALE"), profile.runs("G-NO-INDICATORS"), profile.runs("G-MISSING-LABEL")) == (
        False,
        False,
        True,
    )
    message = refused(tmp_path, builtin_data() | {"pick": ["B-EXEC-SLOW"]})
    assert message.startswith("配置项“pick”中的“B-EXEC-SLOW”既不是规则编号也不是类别字母（A–G）")
    assert refused(tmp_path, builtin_data() | {"skip": "F"}).startswith(
        "配置项“skip”应为规则编号或类别字母的列表"
    )
    # A file written before pick and skip existed still loads.
    old = {k: v for k, v in builtin_data().items() if k not in ("pick", "skip")}
    assert load_profile(write_profile(tmp_path, old)) == load_profile()
