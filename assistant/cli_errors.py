"""Command-line usage errors (a bad option value, a missing argument, an unknown command) in plain Chinese.

Typer words these in English (its values are checked by pydantic); the command group below catches
them before anything is printed and says what is wrong with which option, exit status 2.
"""

from __future__ import annotations

import re
import sys
from typing import Any

from pydantic import ValidationError
from typer._click import exceptions as click_errors
from typer.core import TyperGroup
from typer.exceptions import Abort

from assistant.figures import error_message
from assistant.validation import terminal_safe

_QUOTED = re.compile(r"'([^']*)'")
_HINT = "用 --help 查看用法"


class ChineseErrorsGroup(TyperGroup):
    """The command group: runs the command, and reports a usage error in Chinese instead of English."""

    def main(self, args: Any = None, prog_name: str | None = None, complete_var: str | None = None,
             standalone_mode: bool = True, **extra: Any) -> Any:
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except click_errors.NoArgsIsHelpError as exc:  # `assistant` alone: the help, as before
            exc.show()
            code = 2
        except click_errors.UsageError as exc:
            print(terminal_safe(usage_error_text(exc)), file=sys.stderr)
            code = 2
        except Abort:  # typer's own; its vendored click has none
            print("已取消。", file=sys.stderr)
            code = 130
        if not standalone_mode:
            return code
        sys.exit(code if isinstance(code, int) else 0)


def usage_error_text(exc: click_errors.UsageError) -> str:
    """Return a usage error as one Chinese line naming the option, what it needs and what it got."""
    if isinstance(exc, click_errors.MissingParameter):
        return f"缺少{_name(exc).strip()}；{_HINT}"
    if isinstance(exc, click_errors.BadParameter):
        return f"{_name(exc)}的取值无效：{_reason(exc)}；{_HINT}"
    if isinstance(exc, click_errors.NoSuchOption):
        close = f"（是否想用 {'、'.join(exc.possibilities)}？）" if exc.possibilities else ""
        return f"没有选项 {exc.option_name}{close}；{_HINT}"
    if isinstance(exc, click_errors.BadOptionUsage):
        return f"选项 {exc.option_name} 的用法不对（是否漏写了它的值？）；{_HINT}"
    message = exc.message
    got = _QUOTED.search(message)
    if message.startswith("No such command"):
        return f"没有命令「{got.group(1) if got else ''}」；可用的命令见 assistant --help"
    if message.startswith("Got unexpected extra argument"):
        extra = re.search(r"\((.*)\)", message)
        return f"多余的参数：{extra.group(1) if extra else ''}；{_HINT}"
    if message.startswith("Missing command"):
        return "缺少命令；可用的命令见 assistant --help"
    return f"命令行用法有误；{_HINT}"


def _name(exc: click_errors.BadParameter) -> str:
    param = exc.param
    opts = [o for o in getattr(param, "opts", []) if o.startswith("-")]
    if opts:
        return f"选项 {'/'.join(opts)} "
    if param is not None and param.name:
        return f"参数 {param.name.upper()} "
    return "参数"


def _reason(exc: click_errors.BadParameter) -> str:
    """Return why the value was refused: pydantic's reason in Chinese when it has one."""
    cause = exc.__cause__
    if isinstance(cause, ValidationError) and cause.errors():
        return error_message(cause.errors()[0])
    got = _QUOTED.search(exc.message)
    return f"「{got.group(1)}」不可用" if got else "取值不可用"
