"""xltool: 预算绩效自评表的计算、核对与评分。"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from xltool.version import __version__

if TYPE_CHECKING:
    from xltool.run.pipeline import reconcile as reconcile

__all__ = ["__version__", "reconcile"]


def __getattr__(name: str) -> Any:
    # Lazy so that `import xltool` and `xltool --help` never pay for pandas.
    if name == "reconcile":
        from xltool.run.pipeline import reconcile

        return reconcile
    raise AttributeError(name)
