"""The library's own exceptions: errors a caller can act on (bad workbooks are results, not errors)."""

from __future__ import annotations


class XltoolError(Exception):
    """Base of every exception the library raises on purpose; the message (Chinese) says what to do."""


class InputNotFound(XltoolError, FileNotFoundError):
    """An input path that does not exist (the command line's exit status 2)."""


class ProfileError(XltoolError, ValueError):
    """A profile file that cannot be used; the message (Chinese) names the key and what is allowed."""
