"""Rule profiles: the thresholds, weights and bands of scoring, as versioned data files.

A profile also says which rules run: ``pick`` (only these) and ``skip`` (all but these), each a list
of rule ids or family letters (A–G). ``Profile.to_json`` writes a profile back as a file a user can
edit and load again.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from importlib import resources
from pathlib import Path
from typing import Any

from xltool.model.errors import ProfileError
from xltool.rules.catalogue import BY_ID, FAMILIES

__all__ = ["BUILTIN", "DEFAULT", "SETTING_NAMES", "Profile", "ProfileError", "load_profile"]

BUILTIN = ("mof2020", "yitihua")
DEFAULT = "mof2020"
LEVELS = ("achieved", "partial", "failed")

# What each setting means, for `xltool rules`.
SETTING_NAMES = {
    "name": "评分规则名称",
    "version": "版本",
    "title": "评分规则说明",
    "weights": "分值：预算执行、产出、效益、满意度",
    "amount_tolerance": "金额舍位容差（每个加项，万元）",
    "score_tolerance": "得分比较容差（分）",
    "low_execution_rate": "执行率低于此值时提示",
    "low_line_execution_rate": "附件1各项决算数低于预算数的此比例时提示（执行远低于计划）",
    "adjustment_limit": "全年预算数偏离年初预算数超过此比例时提示",
    "over_target_ratio": "实际完成值超出指标值达此比例时提示“指标值可能设定偏低”",
    "over_target_deduction": "每个超目标指标扣分",
    "reverse_scoring": "反向指标计分：ratio（指标值÷实际值）或 linear（两倍指标值时为0）",
    "qualitative_bands": "定性指标三档（占分值比例）：达成、部分达成、未达成",
    "execution_caps": "按执行率封顶总分：[执行率低于, 总分上限]",
    "grades": "等级：[分数下限, 等级]",
    "scale_factor": "金额为本部门中位数的此倍数以上时提示疑似按元填报",
    "capped_rate_words": "名称含这些词的比率类指标不应超过100%",
    "pick": "只运行这些规则（规则编号或类别字母A–G；空表示全部）",
    "skip": "不运行这些规则（规则编号或类别字母A–G）",
    "last_year_change": "与上年对比（--last-year）：三公经费、在职人数、项目支出预算变动超过此比例时提示",
}
NOTES_KEY = "_注释"  # an exported file's explanation of each key; ignored when the file is read


@dataclass(frozen=True)
class Profile:
    """Scoring and reconciliation settings (see rules.md); one JSON file per profile."""

    name: str
    version: int
    title: str
    weights: dict[str, float]
    amount_tolerance: float
    score_tolerance: float
    low_execution_rate: float
    adjustment_limit: float
    over_target_ratio: float
    over_target_deduction: float
    reverse_scoring: str
    qualitative_bands: dict[str, tuple[float, float]]
    execution_caps: tuple[tuple[float, float], ...]
    grades: tuple[tuple[float, str], ...]
    scale_factor: float
    capped_rate_words: tuple[str, ...]
    low_line_execution_rate: float = 0.8
    pick: tuple[str, ...] = ()
    skip: tuple[str, ...] = ()
    last_year_change: float = 0.3

    def grade(self, score: float | None) -> str | None:
        """The grade (优/良/中/差) for a total score."""
        if score is None:
            return None
        for floor, name in self.grades:
            if score >= floor:
                return name
        return self.grades[-1][1]

    def cap_for(self, execution_rate: float | None) -> float | None:
        """The highest total allowed at this execution rate, if the profile caps it."""
        if execution_rate is None:
            return None
        caps = [cap for below, cap in self.execution_caps if execution_rate < below]
        return min(caps) if caps else None

    def runs(self, rule_id: str) -> bool:
        """Whether the rule runs under this profile's pick and skip (an id or its family letter)."""
        keys = (rule_id, rule_id[0])
        picked = not self.pick or any(key in self.pick for key in keys)
        return picked and not any(key in self.skip for key in keys)

    def select(self, pick: Sequence[str] = (), skip: Sequence[str] = ()) -> Profile:
        """This profile with rules picked (replacing its pick) and more rules skipped."""
        if not pick and not skip:
            return self
        data = _as_dict(self) | {"pick": list(pick or self.pick), "skip": [*self.skip, *skip]}
        return replace(self, pick=_selection(data, "pick"), skip=_selection(data, "skip"))

    def settings(self) -> list[tuple[str, str]]:
        """(key, value) pairs for display."""
        return [(k, json.dumps(_plain(v), ensure_ascii=False)) for k, v in _as_dict(self).items()]

    def to_json(self) -> str:
        """The profile as an editable JSON file that `load_profile` reads back to an equal profile."""
        data = {k: _plain(v) for k, v in _as_dict(self).items()}
        data[NOTES_KEY] = {k: SETTING_NAMES[k] for k in data}
        return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


def _as_dict(profile: Profile) -> dict[str, Any]:
    return {k: getattr(profile, k) for k in Profile.__dataclass_fields__}


def _plain(value: Any) -> Any:
    """Settings as JSON shows them: lists for tuples, whole numbers without ``.0``."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def _selection(data: dict[str, Any], key: str) -> tuple[str, ...]:
    """The rule ids and family letters of pick or skip, each checked against the catalogue."""
    value = data.get(key, [])
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ProfileError(f'配置项“{key}”应为规则编号或类别字母的列表，如 ["B-EXEC-LOW", "F"]')
    for item in value:
        if item not in BY_ID and item not in FAMILIES:
            raise ProfileError(
                f"配置项“{key}”中的“{item}”既不是规则编号也不是类别字母（A–G）；"
                "可用 xltool rules 查看全部规则编号"
            )
    return tuple(dict.fromkeys(value))


def _number(data: dict[str, Any], key: str, low: float, high: float, prefix: str = "") -> float:
    value = data.get(key)
    if isinstance(value, bool) or not isinstance(value, int | float) or not low <= value <= high:
        raise ProfileError(f"规则配置项“{prefix}{key}”的值 {value!r} 无效：应为 {low} 到 {high} 之间的数字")
    return float(value)


# Settings added after profiles were first published: a file without them takes these defaults.
OPTIONAL: dict[str, Any] = {"low_line_execution_rate": 0.8, "pick": [], "skip": [], "last_year_change": 0.3}


def _validate(data: object, source: str) -> Profile:
    if not isinstance(data, dict):
        raise ProfileError(f"规则配置文件 {source} 应为一个JSON对象（{{…}}）")
    data = OPTIONAL | data
    known = set(Profile.__dataclass_fields__)
    data = {k: v for k, v in data.items() if k != NOTES_KEY}
    unknown = sorted(set(data) - known)
    if unknown:
        allowed = "、".join(sorted(known))
        raise ProfileError(f"规则配置文件 {source} 含有未知的配置项“{unknown[0]}”：可用的配置项为 {allowed}")
    missing = sorted(known - set(data))
    if missing:
        raise ProfileError(f"规则配置文件 {source} 缺少配置项“{missing[0]}”，请参照内置的 mof2020.json 补齐")
    weights = data["weights"]
    if not isinstance(weights, dict) or set(weights) != {"budget", "output", "benefit", "satisfaction"}:
        raise ProfileError("配置项“weights”应包含 budget、output、benefit、satisfaction 四个权重")
    for key in weights:
        _number(weights, key, 0, 100, prefix="weights.")
    if abs(sum(weights.values()) - 100) > 1e-9:
        raise ProfileError(f"配置项“weights”的权重合计为 {sum(weights.values())}，应为 100")
    if data["reverse_scoring"] not in ("ratio", "linear"):
        value = data["reverse_scoring"]
        raise ProfileError(f"配置项“reverse_scoring”的值 {value!r} 无效：可选值为 ratio、linear")
    bands = data["qualitative_bands"]
    if not isinstance(bands, dict) or set(bands) != set(LEVELS):
        raise ProfileError("配置项“qualitative_bands”应包含 achieved、partial、failed 三档")
    parsed_bands: dict[str, tuple[float, float]] = {}
    for level, band in bands.items():
        if not (isinstance(band, list) and len(band) == 2 and 0 <= band[0] <= band[1] <= 1):
            raise ProfileError(f"配置项“qualitative_bands.{level}”应为 [下限, 上限]，取值 0 到 1")
        parsed_bands[level] = (float(band[0]), float(band[1]))
    failed, partial, achieved = (parsed_bands[level] for level in ("failed", "partial", "achieved"))
    if not (failed[0] <= partial[0] <= achieved[0] and failed[1] <= partial[1] <= achieved[1]):
        raise ProfileError(
            "配置项“qualitative_bands”的三档应依次升高：failed ≤ partial ≤ achieved"
            "（如 [0,0.6]、[0.6,0.8]、[0.8,1]）"
        )
    caps = data["execution_caps"]
    if not isinstance(caps, list) or not all(
        isinstance(c, list) and len(c) == 2 and 0 < c[0] <= 1 and 0 <= c[1] <= 100 for c in caps
    ):
        raise ProfileError("配置项“execution_caps”应为 [[执行率上限(0–1), 总分上限(0–100)], …]")
    grades = data["grades"]
    if (
        not isinstance(grades, list)
        or not grades
        or not all(isinstance(g, list) and len(g) == 2 and isinstance(g[1], str) for g in grades)
    ):
        raise ProfileError('配置项“grades”应为 [[分数下限, "等级"], …]，如 [[90, "优"], [0, "差"]]')
    words = data["capped_rate_words"]
    if not isinstance(words, list) or not all(isinstance(w, str) and w for w in words):
        raise ProfileError('配置项“capped_rate_words”应为词语列表，如 ["合格率", "满意度"]')
    if not isinstance(data["name"], str) or not data["name"]:
        raise ProfileError("配置项“name”应为非空字符串")
    return Profile(
        name=data["name"],
        version=int(_number(data, "version", 1, 1000)),
        title=str(data["title"]),
        weights={k: float(v) for k, v in weights.items()},
        amount_tolerance=_number(data, "amount_tolerance", 0, 1000),
        score_tolerance=_number(data, "score_tolerance", 0, 10),
        low_execution_rate=_number(data, "low_execution_rate", 0, 1),
        low_line_execution_rate=_number(data, "low_line_execution_rate", 0, 1),
        adjustment_limit=_number(data, "adjustment_limit", 0, 10),
        over_target_ratio=_number(data, "over_target_ratio", 0, 100),
        over_target_deduction=_number(data, "over_target_deduction", 0, 100),
        reverse_scoring=data["reverse_scoring"],
        qualitative_bands=parsed_bands,
        execution_caps=tuple((float(b), float(c)) for b, c in caps),
        grades=tuple(sorted(((float(f), str(n)) for f, n in grades), reverse=True)),  # any order in the file
        scale_factor=_number(data, "scale_factor", 1, 1e9),
        capped_rate_words=tuple(words),
        pick=_selection(data, "pick"),
        skip=_selection(data, "skip"),
        last_year_change=_number(data, "last_year_change", 0, 100),
    )


def _builtin_text(name: str) -> str:
    return resources.files("xltool.rules").joinpath(f"profiles/{name}.json").read_text(encoding="utf-8")


def load_profile(name_or_path: str | Path | None = None) -> Profile:
    """A built-in profile by name (mof2020, yitihua) or a user's JSON file."""
    name = str(name_or_path) if name_or_path is not None else DEFAULT
    if name in BUILTIN:
        return _validate(json.loads(_builtin_text(name)), name)
    path = Path(name)
    if not path.is_file():
        builtin = "、".join(BUILTIN)
        raise ProfileError(f"找不到规则配置“{name}”：可用内置配置为 {builtin}，或给出一个JSON文件路径")
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ProfileError(f"规则配置文件 {path.name} 不是有效的JSON：{exc}") from None
    return _validate(data, path.name)
