"""`xltool serve`: a local web page for people who never open a terminal, and its JSON API (api.md).

Only this package and the command line import the web libraries (Starlette, uvicorn, python-multipart).
"""

from __future__ import annotations

from xltool.serve.server import ServeError, serve

__all__ = ["ServeError", "serve"]
