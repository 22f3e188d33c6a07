"""The command line's own words in Chinese: help headings, usage line and usage-error messages.

typer prints these in English; the command line passes its help text and usage errors through
`help_text` and `usage_error` before they are shown. A message without a translation keeps click's
wording after the Chinese lead-in, so nothing is lost.
"""

from __future__ import annotations

import re
from typing import Any

import typer
from typer._click.exceptions import NoArgsIsHelpError, UsageError
from typer._click.formatting import HelpFormatter
from typer.core import TyperCommand, TyperGroup

HEADINGS = {"Options": "选项", "Arguments": "参数", "Commands": "命令", "Usage": "用法"}

# Help-page chrome, replaced in the usage line and in each option's term and description.
_HELP = (
    ("[OPTIONS]", "[选项]"),
    ("COMMAND [ARGS]...", "命令 [参数]..."),
    ("[default: ", "[默认："),
    ("[required]", "[必填]"),
    ("<path>", "<路径>"),
    ("<str>", "<文本>"),
    ("<text>", "<文本>"),
    ("<int range>", "<整数>"),
    ("<integer range>", "<整数>"),
    ("<int>", "<整数>"),
    ("<integer>", "<整数>"),
    ("<float range>", "<数>"),
    ("<float>", "<数>"),
)

# Usage-error messages: (English pattern, Chinese template using the pattern's groups).
_ERRORS: tuple[tuple[str, str], ...] = (
    (r"No such option: (\S+) \(Possible options: (.+)\)", "没有 {0} 这个选项（相近的选项：{1}）"),
    (r"No such option: (\S+)", "没有 {0} 这个选项"),
    (r"No such command '(.+?)'\.(?: Did you mean (.+)\?)?", "没有“{0}”这个命令"),
    (r"Missing argument '(.+?)'\.", "缺少参数 {0}"),
    (r"Missing option '(.+?)'\.", "缺少选项 {0}"),
    (r"Missing command\.", "缺少命令"),
    (r"Option '(.+?)' requires an argument\.", "选项 {0} 需要一个值"),
    (r"Option '(.+?)' requires (\d+) arguments\.", "选项 {0} 需要 {1} 个值"),
    (r"Option '(.+?)' does not take a value\.", "选项 {0} 不带值"),
    (r"Got unexpected extra argument(?:s|\(s\))? \((.+)\)", "多余的参数：{0}"),
    (r"Invalid value for (.+?): '(.*?)' is not a valid (?:integer|int)\.", "{0} 的值“{1}”不是整数"),
    (r"Invalid value for (.+?): '(.*?)' is not a valid float\.", "{0} 的值“{1}”不是数字"),
    (r"Invalid value for (.+?): (\S+) is not in the range (.+)\.", "{0} 的值 {1} 不在允许范围（{2}）内"),
    (r"Invalid value for (.+?): Input should be a valid integer.*", "{0} 的值应为整数"),
    (r"Invalid value for (.+?): Input should be a valid number.*", "{0} 的值应为数字"),
    (r"Invalid value for (.+?): Input should be greater than or equal to (\S+)", "{0} 的值应不小于 {1}"),
    (r"Invalid value for (.+?): Input should be less than or equal to (\S+)", "{0} 的值应不大于 {1}"),
    (r"Invalid value for (.+?): (.+)", "{0} 的值无效：{1}"),
)


def help_text(text: str) -> str:
    """The help page or usage line with its English headings and placeholders in Chinese."""
    for english, chinese in _HELP:
        text = text.replace(english, chinese)
    return re.sub(r"\[x>=(\d+)\]", r"[≥\1]", text)


def usage_error(message: str) -> str:
    """A usage error's message in Chinese (click's text kept, after a Chinese lead-in, if unknown)."""
    for pattern, template in _ERRORS:
        match = re.fullmatch(pattern, message.strip())
        if match:
            return template.format(*(part.replace("'", "") for part in match.groups("")))
    return f"用法有误（{message}）"


# The typer classes that route help pages and usage errors through the words above.

HELP_TEXT = "显示本帮助并退出"


class _Formatter(HelpFormatter):
    """Help pages with Chinese headings, usage prefix and placeholders, laid out after translation."""

    def write_usage(self, prog: str, args: str = "", prefix: str | None = None) -> None:
        super().write_usage(prog, help_text(args), prefix="用法：")

    def write_heading(self, heading: str) -> None:
        self.write(f"{'':>{self.current_indent}}{HEADINGS.get(heading, heading)}：\n")

    def write_dl(self, rows: Any, *args: Any, **kwargs: Any) -> None:
        super().write_dl([(help_text(term), help_text(text)) for term, text in rows], *args, **kwargs)


class _Context(typer.Context):
    formatter_class = _Formatter


class _ChineseUsageError(UsageError):
    """A usage error shown in Chinese: the usage line, the error, where to find help."""

    def show(self, file: Any = None) -> None:
        lines = [f"错误：{usage_error(self.message)}"]
        if self.ctx is not None:
            lines[:0] = [self.ctx.get_usage(), f"运行“{self.ctx.command_path} -h”查看帮助。"]
        typer.echo("\n".join(lines), err=True)


def _chinese(error: UsageError) -> UsageError:
    if isinstance(error, NoArgsIsHelpError | _ChineseUsageError):
        return error
    return _ChineseUsageError(error.format_message(), error.ctx)


class _ChineseHelp:
    """The help page, usage line and usage errors in Chinese (click's own text is English)."""

    context_class: Any = _Context

    def get_help_option(self, ctx: Any) -> Any:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP_TEXT
        return option

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().make_context(*args, **kwargs)  # type: ignore[misc]
        except UsageError as error:
            raise _chinese(error) from None

    def resolve_command(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().resolve_command(*args, **kwargs)  # type: ignore[misc]
        except UsageError as error:
            raise _chinese(error) from None


class Group(_ChineseHelp, TyperGroup):
    """xltool's command group, its help and usage errors in Chinese."""


class Command(_ChineseHelp, TyperCommand):
    """One xltool command, its help and usage errors in Chinese."""
