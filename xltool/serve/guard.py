"""Who may use the server: localhost names only on loopback, no cross-site writes, an optional token.

- Bound to 127.0.0.1, only requests naming this machine (127.0.0.1, localhost) are answered, so that
  a web page elsewhere cannot reach the server through a name it controls (DNS rebinding).
- A request that changes something (upload, delete) sent by a browser from another site is refused:
  its Origin header names another host. Scripts send no Origin and are not affected.
- With a token (``--token``, for an intranet), the API answers only requests carrying it, as
  ``Authorization: Bearer <token>`` or the cookie the page sets once the user has typed it (a digest
  of the token, so that a token of any characters fits in a cookie and the cookie does not hold it).
"""

from __future__ import annotations

import hashlib
import hmac
import json
from urllib.parse import urlsplit

from starlette.datastructures import Headers
from starlette.requests import cookie_parser
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

COOKIE = "xltool_token"
LOCAL_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
OPEN_PATHS = frozenset({"/api/config", "/api/session"})  # the page needs them before the token is known
MSG_LOCAL_ONLY = "本服务只接受本机访问，请用 http://127.0.0.1 打开；如需局域网访问，请以 --host 启动"
MSG_CROSS_SITE = "拒绝来自其他网站的请求；请直接在本服务的页面上操作"
MSG_TOKEN = "需要访问口令：请输入管理员提供的口令（脚本请在请求头加 Authorization: Bearer 口令）"


class Guard:
    """ASGI middleware applying the three checks above."""

    def __init__(self, app: ASGIApp, token: str | None, local_only: bool) -> None:
        self.app = app
        self.token = token
        self.local_only = local_only

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
            return
        status, message = refusal
        body = json.dumps({"error": message, "token_required": status == 401}, ensure_ascii=False)
        await Response(body, status_code=status, media_type="application/json")(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str] | None:
        host = headers.get("host", "")
        if self.local_only and _hostname(host) not in LOCAL_NAMES:
            return 403, MSG_LOCAL_ONLY
        origin = headers.get("origin")
        if scope["method"] not in ("GET", "HEAD", "OPTIONS") and origin and urlsplit(origin).netloc != host:
            return 403, MSG_CROSS_SITE
        path = scope["path"]
        if self.token and path.startswith("/api/") and path not in OPEN_PATHS:
            bearer = headers.get("authorization", "")
            if bearer.lower().startswith("bearer "):
                allowed = self.matches(self.token, bearer[7:].strip())
            else:
                cookie = cookie_parser(headers.get("cookie", "")).get(COOKIE, "")
                allowed = hmac.compare_digest(cookie.encode(), _cookie_value(self.token).encode())
            if not allowed:
                return 401, MSG_TOKEN
        return None

    @staticmethod
    def matches(token: str | None, given: object) -> bool:
        """Whether ``given`` is the token (compared in constant time); anything goes without a token."""
        if not token:
            return True
        return isinstance(given, str) and hmac.compare_digest(given.encode(), token.encode())

    @staticmethod
    def set_cookie(response: Response, token: str) -> None:
        """Let the browser prove it knows the token (not readable by scripts, not sent by other sites)."""
        response.set_cookie(
            COOKIE, _cookie_value(token), max_age=30 * 86400, httponly=True, samesite="strict"
        )


def _cookie_value(token: str) -> str:
    """What the cookie holds: a digest of the token (any characters), not the token itself."""
    return hashlib.sha256(f"xltool serve:{token}".encode()).hexdigest()


def _hostname(host: str) -> str:
    """The name in a Host header, without the port (and without the brackets of an IPv6 address)."""
    return (urlsplit(f"//{host}").hostname or "").lower()
