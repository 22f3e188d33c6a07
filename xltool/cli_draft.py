"""`xltool draft`: a command of the command line, apart from cli.py to keep that module short."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer


def draft(
    input_path: Annotated[
        Path,
        typer.Argument(
            metavar="INPUT", help="自评表所在文件夹（递归查找，含 .zip 压缩包）或单个工作簿；默认当前文件夹"
        ),
    ] = Path("."),
    out: Annotated[Path, typer.Option("-o", "--out", help="输出文件夹；默认 xltool-drafts")] = Path(
        "xltool-drafts"
    ),
    jobs: Annotated[
        int | None, typer.Option("--jobs", "-j", min=1, help="并行进程数；默认等于本机CPU核数")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="覆盖输出文件夹中已有的同名初稿")] = False,
) -> None:
    """按各部门的自评表写出部门整体支出绩效自评报告初稿（Word），表中数字全部填入，须部门补充处标明【请填写：…】。

    示例：xltool draft 自评表/ -o 报告初稿/
    """
    from xltool.api import XltoolError
    from xltool.api import draft as run
    from xltool.cli_progress import ProgressBar

    if out.exists() and not out.is_dir():
        typer.echo(f"错误：输出路径“{out}”是一个已存在的文件，不是文件夹；请用 -o 指定一个文件夹", err=True)
        raise typer.Exit(2)
    try:
        with ProgressBar() as notify:
            result = run(input_path, out, jobs=jobs, progress=notify, overwrite=force)
    except XltoolError as exc:
        typer.echo(f"错误：{exc}", err=True)
        raise typer.Exit(2) from None
    except KeyboardInterrupt:
        typer.echo("错误：已中断（Ctrl-C），初稿未全部写出；请重新运行", err=True)
        raise typer.Exit(130) from None
    for name in result.written:
        typer.echo(f"已写出 {out}/{name}")
    for file, message in result.unreadable.items():
        typer.echo(f"未能读取 {file}：{message}", err=True)
    if not result.written and not result.failed:
        typer.echo(f"未找到任何自评表：{input_path} 下没有可识别的附件1/2/3表格；请检查输入路径后重新运行。")
    for name, message in result.failed.items():
        typer.echo(f"错误：{name}：{message}", err=True)
    if result.failed:
        raise typer.Exit(1)
