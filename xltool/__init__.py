"""xltool: 预算绩效自评表的计算、核对与评分。

The library (``xltool.read``, ``xltool.check``, ``xltool.reconcile``, ``xltool.draft``, their result
types and exceptions) lives in `xltool.api`; its names are loaded on first use, so that ``import xltool``
and ``xltool --help`` never pay for pandas.
"""

from __future__ import annotations

import os
import types
from typing import TYPE_CHECKING, Any

import xltool.read as _read_package  # the subpackage: its __init__ imports nothing
from xltool.version import __version__

if TYPE_CHECKING:
    from xltool.api import (
        CheckResult,
        Department,
        Finding,
        InputFile,
        InputNotFound,
        ProfileError,
        Project,
        RunResult,
        Sheet,
        Workbook,
        XltoolError,
        check,
        draft,
        reconcile,
    )


class _ReadPackage(types.ModuleType):
    """The subpackage `xltool.read`, callable as the library's ``xltool.read(path)`` (api.md).

    One name for both: importing ``xltool.read.reader`` sets the package's attribute ``read`` to the
    subpackage, so a separate function of that name would be replaced by the first such import.
    """

    def __call__(self, path: str | os.PathLike[str]) -> Workbook:
        """Read one workbook (nothing written): its forms, the sheets skipped and why, its values."""
        from xltool.api import read

        return read(path)


_read_package.__class__ = _ReadPackage

__all__ = [
    "CheckResult",
    "Department",
    "Finding",
    "InputFile",
    "InputNotFound",
    "ProfileError",
    "Project",
    "RunResult",
    "Sheet",
    "Workbook",
    "XltoolError",
    "__version__",
    "check",
    "draft",
    "read",
    "reconcile",
]


def __getattr__(name: str) -> Any:
    if name in __all__ and name != "read":
        from xltool import api

        return getattr(api, name)
    raise AttributeError(f"module 'xltool' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
