"""The few lines the command line prints at the end of a run (reconcile, and each re-run of watch)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from xltool.write.atomic import LOG_NAME


def strict_reason(counts: dict[str, int]) -> str:
    """Why --strict ends the run with status 1, in one line."""
    parts = []
    if counts.get("error"):
        parts.append(f"“错误”级问题 {counts['error']} 项")
    failed = counts.get("files_failed", 0)
    if counts.get("inputs_error", 0) > failed:
        parts.append(f"无法读取的文件 {counts['inputs_error'] - failed} 个")
    if counts.get("departments_failed"):
        parts.append(f"核对时程序出错的部门 {counts['departments_failed']} 个")
    if counts.get("outputs_failed"):
        parts.append(f"未能写出的输出文件 {counts['outputs_failed']} 个")
    found = "、".join(parts) or "需处理的问题"
    return f"按 --strict 要求以状态码1退出：存在{found}（见审核汇总.xlsx 和 report.json）"


def summary_lines(result: Any, input_path: Path, rounds: bool) -> list[str]:
    """What a run found, in a few lines (the same for reconcile and each re-run of watch)."""
    counts = result.counts()
    reports = counts.get("reports", 0)  # written reports read: inputs, but no workbooks
    papers = reports + counts.get("reports_superseded", 0)  # every written report among the inputs
    found = counts.get("inputs_ok", 0) + counts.get("inputs_superseded", 0) - papers
    lines = []
    if found == 0:
        seen = sum(v for k, v in counts.items() if k.startswith("inputs_"))
        lines.append(
            f"未找到任何工作簿：{input_path} 下没有可识别的附件1/2/3表格"
            "（.xlsx/.xls，或其中含有工作簿的 .zip）"
            + (
                f"，共检查了 {seen} 个文件，原因见 {result.out}/审核汇总.xlsx 的“文件读取情况”"
                if seen
                else ""
            )
            + "；请检查输入路径后重新运行。"
        )
    else:
        lines.append(
            f"已审核 {counts['departments']} 个部门、{counts['projects']} 个项目"
            + (f"、书面自评报告 {reports} 份；" if reports else "；")
            + f"发现错误 {counts['error']} 项、警告 {counts['warning']} 项、提示 {counts['info']} 项"
            f"（未处理 {counts.get('open', 0)} 项、已说明 {counts.get('explained', 0)} 项、"
            f"已接受 {counts.get('accepted', 0)} 项）。"
        )
    if rounds:
        lines.append(
            f"与上一轮相比：已整改 {counts.get('resolved', 0)} 项、仍存在 {counts.get('persisting', 0)} 项、"
            f"新发现 {counts.get('new', 0)} 项；"
            f"未改动而沿用上一轮结果的部门 {counts.get('departments_reused', 0)} 个。"
        )
    failed = counts.get("files_failed", 0)  # of the `error` inputs: read, but their department failed
    unreadable = counts.get("inputs_error", 0) - failed
    skipped = counts.get("inputs_skipped", 0)
    superseded = counts.get("inputs_superseded", 0)
    if unreadable or skipped or superseded:
        lines.append(
            f"无法读取的文件 {unreadable} 个，跳过的文件 {skipped} 个，被新版本替代的文件 {superseded} 个"
            "（原因见汇总工作簿和 report.json）。"
        )
    if failed:
        lines.append(
            f"核对或写出时程序出错的部门 {counts.get('departments_failed', 0)} 个（涉及文件 {failed} 个），"
            f"这些部门没有结果，其他部门不受影响；技术细节见 {result.out}/{LOG_NAME}，请反馈给工具维护人员。"
        )
    if result.removed:
        lines.append(f"已删除上次运行写出、本次不再生成的旧文件 {len(result.removed)} 个。")
    what = (
        ("评分工作簿、" if found else "")
        + ("批注版书面报告、" if reports else "")
        + "审核汇总.xlsx、report.json"
    )
    if any(str(w).startswith("审核意见书/") for w in result.written):
        what = what.replace("、report.json", "、审核意见书/、审核报告.docx、report.json")
    lines.append(f"结果已写入 {result.out}/：{what}。")
    return lines
