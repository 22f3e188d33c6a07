"""The command line: parse arguments, call the library, print, choose the exit code.

Heavy modules (pandas, the readers and writers) are imported inside the commands, so that
`xltool --help` and `xltool rules` start fast.
"""

from __future__ import annotations

import gc
from pathlib import Path
from typing import Annotated, Any

import typer

from xltool.cli_draft import draft
from xltool.cli_progress import ProgressBar
from xltool.cli_summary import strict_reason, summary_lines
from xltool.cli_text import Command, Group

app = typer.Typer(
    cls=Group,
    name="xltool",
    help=(
        "预算绩效自评表（附件1 基础数据表、附件2 部门整体支出绩效自评表、附件3 项目支出绩效自评表）的"
        "计算、核对与评分工具。\n\n示例：xltool reconcile 自评表/ -o 审核结果/"
    ),
    add_completion=False,
    no_args_is_help=True,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"]},
)


def _version(value: bool) -> None:
    if value:
        from xltool.version import __version__

        typer.echo(f"xltool {__version__}")
        raise typer.Exit()


@app.callback()
def _main(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="显示版本号并退出")
    ] = False,
) -> None:
    """预算绩效自评表的计算、核对与评分工具。"""


MSG_INTERRUPTED = "已中断（Ctrl-C）：本次审核未完成，输出文件夹中的结果不完整；请重新运行"


def _fail(message: str, code: int = 2) -> typer.Exit:
    typer.echo(f"错误：{message}", err=True)
    return typer.Exit(code)


PROFILE_HELP = (
    "评分规则：mof2020（默认）、yitihua，或自定义规则JSON文件路径（可由 xltool rules --export 导出后编辑）"
)
Pick = Annotated[
    list[str] | None,
    typer.Option(
        "--pick",
        help="只运行这些规则：规则编号或类别字母（A–G），可多次给出或用逗号分隔，如 --pick B,C-OVER-TARGET",
    ),
]
Skip = Annotated[
    list[str] | None,
    typer.Option("--skip", help="不运行这些规则：规则编号或类别字母，如 --skip F-SCALE,G"),
]


def _profile(name: str, pick: list[str] | None, skip: list[str] | None) -> Any:
    """The profile by name or file, with the rules the options pick or skip (a usage error if unknown)."""
    from xltool.rules.profile import ProfileError, load_profile

    def ids(values: list[str] | None) -> list[str]:
        return [part.strip() for value in values or () for part in value.split(",") if part.strip()]

    try:
        return load_profile(name).select(pick=ids(pick), skip=ids(skip))
    except ProfileError as exc:
        raise _fail(str(exc)) from None


InputArg = Annotated[
    Path,
    typer.Argument(
        metavar="INPUT",
        help="待审核的工作簿所在文件夹（递归查找，含 .zip 压缩包）或单个工作簿；默认当前文件夹",
    ),
]
OutOption = Annotated[Path, typer.Option("-o", "--out", help="输出文件夹；默认 xltool-output")]
ProfileOption = Annotated[str, typer.Option("--profile", help=PROFILE_HELP)]
JobsOption = Annotated[
    int | None, typer.Option("--jobs", "-j", min=1, help="并行进程数；默认等于本机CPU核数")
]
LastYearOption = Annotated[
    Path | None,
    typer.Option(
        "--last-year", metavar="DIR", help="上年报送的工作簿（或上年的审核结果文件夹），用于与上年对比"
    ),
]


@app.command(cls=Command)
def reconcile(
    input_path: InputArg = Path("."),
    out: OutOption = Path("xltool-output"),
    profile: ProfileOption = "mof2020",
    pick: Pick = None,
    skip: Skip = None,
    strict: Annotated[
        bool, typer.Option("--strict", help="存在“错误”级问题、无法读取的文件或未找到任何表格时以状态码1退出")
    ] = False,
    jobs: JobsOption = None,
    previous: Annotated[
        Path | None,
        typer.Option(
            "--previous",
            metavar="PREV",
            help="上一轮的输出文件夹：标出已整改、仍存在和新发现的问题，未改动的部门直接沿用上一轮结果",
        ),
    ] = None,
    last_year: LastYearOption = None,
    no_documents: Annotated[
        bool, typer.Option("--no-documents", help="不写出Word文档（各部门的审核意见书和全批的审核报告）")
    ] = False,
) -> None:
    """核对、评分并写出审核结果：每个工作簿的评分版、汇总工作簿、审核意见书、审核报告和 report.json。

    示例：xltool reconcile 自评表/ -o 审核结果/ --previous 第一轮结果/
    """
    from xltool.api import XltoolError
    from xltool.api import reconcile as run
    from xltool.run.plan import max_jobs

    if jobs is not None and jobs > max_jobs():
        typer.echo(f"并行进程数 {jobs} 超过本机CPU核数的2倍，已按 {max_jobs()} 个进程运行。", err=True)
    rules_profile = _profile(profile, pick, skip)
    try:
        with ProgressBar() as notify:
            result = run(
                input_path,
                out,
                profile=rules_profile,
                jobs=jobs,
                progress=notify,
                previous=previous,
                last_year=last_year,
                documents=not no_documents,
            )
    except XltoolError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        raise _fail(MSG_INTERRUPTED, 130) from None
    counts = result.counts()
    for line in summary_lines(result, input_path, previous is not None):
        typer.echo(line)
    if result.failed:  # the run did not complete: say which outputs are missing and why, once per why
        typer.echo(f"错误：{len(result.failed)} 个输出文件未能写出：", err=True)
        by_reason: dict[str, list[str]] = {}
        for output, message in result.failed.items():
            by_reason.setdefault(message, []).append(output)
        for message, outputs in by_reason.items():
            named = outputs[0] if len(outputs) == 1 else f"{outputs[0]} 等 {len(outputs)} 个文件"
            typer.echo(f"  {named}：{message}", err=True)
        raise typer.Exit(1)
    if strict and result.has_errors:
        typer.echo(f"错误：{strict_reason(counts)}", err=True)
        raise typer.Exit(1)


@app.command(cls=Command)
def watch(
    input_path: InputArg = Path("."),
    out: OutOption = Path("xltool-output"),
    profile: ProfileOption = "mof2020",
    jobs: JobsOption = None,
    last_year: LastYearOption = None,
) -> None:
    """监视文件夹：有工作簿新增或修改时自动重新审核（只重新核对有变动的部门），按 Ctrl-C 停止。

    示例：xltool watch 自评表/ -o 审核结果/
    """
    from datetime import datetime

    from xltool.api import XltoolError
    from xltool.run.watch import watch as run_watch

    typer.echo(f"正在监视 {input_path}/（结果写入 {out}/），按 Ctrl-C 停止。")
    try:
        for result in run_watch(input_path, out, profile=profile, jobs=jobs, last_year=last_year):
            lines = summary_lines(result, input_path, True)
            typer.echo(f"[{datetime.now():%H:%M:%S}] " + "".join(lines[:2]))
    except XltoolError as exc:
        raise _fail(str(exc)) from None
    except KeyboardInterrupt:
        typer.echo("已停止监视。")


app.command(cls=Command)(draft)


@app.command(cls=Command)
def templates(
    out: Annotated[Path, typer.Option("-o", "--out", help="输出文件夹；默认当前文件夹下的 templates")] = Path(
        "templates"
    ),
    year: Annotated[
        int | None, typer.Option("--year", min=2000, max=2100, help="填入表头的年度，如 2023")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖输出文件夹中已有的同名文件")] = False,
    profile: ProfileOption = "mof2020",
) -> None:
    """写出三张空白官方表格（附件1、附件2、附件3），可直接下发填报；表中分值和填表说明按评分规则写出。

    示例：xltool templates -o 模板/ --year 2023
    """
    from xltool.forms.layouts import FORMS
    from xltool.write.templates import write_templates

    names = {kind: layout.file_name for kind, layout in FORMS.items()}
    if out.exists() and not out.is_dir():
        raise _fail(f"输出路径“{out}”是一个已存在的文件，不是文件夹；请用 -o 指定一个文件夹")
    existing = [out / name for name in names.values() if (out / name).exists()]
    if existing and not force:
        listed = "、".join(p.name for p in existing)
        raise _fail(
            f"{out}/ 中已有同名文件（{listed}），为免覆盖已填报的表格，未写出任何模板；"
            "请用 -o 指定另一个文件夹，或确认可以覆盖后加 --force"
        )
    paths = write_templates(out, year=year, names=names, weights=_profile(profile, None, None).weights)
    for path in paths:
        typer.echo(f"已写出 {path}")


@app.command(cls=Command)
def rules(
    profile: Annotated[str, typer.Option("--profile", help=PROFILE_HELP)] = "mof2020",
    pick: Pick = None,
    skip: Skip = None,
    export: Annotated[
        Path | None,
        typer.Option(
            "--export", metavar="FILE", help="把所用评分规则写成可编辑的JSON文件，改后用 --profile FILE 使用"
        ),
    ] = None,
) -> None:
    """列出全部核对规则（名称、级别、依据、编号）和所用评分规则的参数；可导出评分规则供编辑。

    示例：xltool rules --profile yitihua --skip F-SCALE --export 我的规则.json
    """
    from xltool.rules.catalogue import RULES, SEVERITY_NAMES, family_heading
    from xltool.rules.profile import SETTING_NAMES

    active = _profile(profile, pick, skip)
    typer.echo(f"核对规则（共 {len(RULES)} 条；规则编号供引用，report.json 中为 rule）")
    family = ""
    for info in RULES:
        if info.family != family:
            family = info.family
            typer.echo(f"\n{family_heading(family)}")
        off = "" if active.runs(info.id) else "　【本次不运行】"
        typer.echo(f"  {info.name}（{SEVERITY_NAMES[info.severity]}）{off}")
        typer.echo(f"      核对：{info.title}")
        typer.echo(f"      依据：{info.basis or '—（无专门条款，按表内或表间数字关系核对）'}")
        typer.echo(f"      规则编号：{info.id}")
    typer.echo(f"\n评分规则参数：{active.name}（{active.title}，版本 {active.version}）")
    for key, value in active.settings():
        typer.echo(f"  {SETTING_NAMES.get(key, key)} = {value}　（配置项 {key}）")
    if export is not None:
        from xltool.write.atomic import write_bytes_atomic

        try:
            write_bytes_atomic(export, active.to_json().encode("utf-8"))
        except OSError as exc:
            raise _fail(f"无法写出 {export}：{exc.strerror or exc}。请检查路径和权限后重试。") from None
        typer.echo(f"\n已导出评分规则到 {export}：可编辑后用 --profile {export} 使用。")


@app.command(cls=Command)
def serve(
    host: Annotated[
        str, typer.Option("--host", help="监听地址；默认 127.0.0.1（仅本机）。局域网使用填 0.0.0.0")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option("--port", min=0, max=65535, help="端口；默认 8765")] = 8765,
    data: Annotated[
        Path | None,
        typer.Option("--data", help="保存上传文件、审核结果和记录的文件夹；默认当前用户的数据文件夹"),
    ] = None,
    open_browser: Annotated[bool, typer.Option("--open", help="启动后用默认浏览器打开页面")] = False,
    token: Annotated[
        str | None, typer.Option("--token", help="访问口令（局域网使用时建议设置）；打开页面时需输入")
    ] = None,
    keep_days: Annotated[
        float,
        typer.Option("--keep-days", min=0, help="审核记录保留天数，过期自动删除；0 为永久保留；默认 30"),
    ] = 30.0,
    max_upload_mb: Annotated[
        int, typer.Option("--max-upload-mb", min=1, help="单次上传（含压缩包解压后）的大小上限，MB；默认 500")
    ] = 500,
    max_files: Annotated[
        int, typer.Option("--max-files", min=1, help="单次上传的工作簿个数上限；默认 5000")
    ] = 5000,
) -> None:
    """启动审核网页：在浏览器中拖入工作簿、文件夹或 zip 压缩包，查看得分和问题并下载结果。

    示例：xltool serve --open
    """
    from xltool.serve import ServeError
    from xltool.serve import serve as run_server
    from xltool.serve.store import default_data_dir

    folder = data or default_data_dir()

    def ready(url: str) -> None:
        typer.echo(f"审核页面已启动：{url}\n数据保存在 {folder}\n按 Ctrl+C 停止。")

    try:
        run_server(
            host,
            port,
            folder,
            open_browser=open_browser,
            token=token,
            keep_days=keep_days,
            max_bytes=max_upload_mb << 20,
            max_files=max_files,
            on_ready=ready,
        )
    except ServeError as exc:
        raise _fail(str(exc)) from None


def main() -> None:
    """Console-script entry point."""
    _settle_collector()
    try:
        app()
    except KeyboardInterrupt:  # outside a command (while starting): the same one line, no traceback
        typer.echo(f"错误：{MSG_INTERRUPTED}", err=True)
        raise SystemExit(130) from None


def _settle_collector() -> None:
    """The command's own process: its garbage collector set for a run (a library call leaves it alone).

    Young objects are collected every 10,000 allocations rather than 700: a run keeps most of what it
    builds until it writes it out, and each full collection walks every imported module's objects.
    (Not frozen here: ``run.workers.frozen_for_fork`` would then count them at every fork.)
    """
    gc.set_threshold(10_000, *gc.get_threshold()[1:])


if __name__ == "__main__":
    main()
