"""Starting the server: bind the address, run uvicorn, open the browser once it answers."""

from __future__ import annotations

import ipaddress
import os
import socket
import threading
import webbrowser
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from xltool.serve.limits import KEEP_DAYS, MAX_UPLOAD_BYTES, MAX_UPLOAD_FILES, RUN_SECONDS, Limits

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765


class ServeError(Exception):
    """The server cannot start (the port is taken, the address is not this machine's …); Chinese message."""


def is_loopback(host: str) -> bool:
    """Whether ``host`` names this machine only (127.0.0.1, ::1, localhost)."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def bind(host: str, port: int) -> socket.socket:
    """A listening socket on host:port (port 0: any free port)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise ServeError(f"无法识别地址“{host}”；请填写本机的IP地址，例如 127.0.0.1 或 0.0.0.0") from exc
    family, _, _, _, address = infos[0]
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if os.name != "nt":  # on Windows it would let a second server take a port already in use
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(128)
    except OSError as exc:
        sock.close()
        raise ServeError(
            f"无法在 {host}:{port} 上启动：端口已被占用或地址不属于本机（{exc.strerror}）；"
            "请换一个端口（--port 8766），或关闭已在运行的 xltool serve"
        ) from exc
    sock.set_inheritable(True)
    return sock


def page_url(host: str, port: int, token: str | None = None) -> str:
    """The address a browser opens (with the token, which the page then keeps in a cookie)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    shown = f"[{shown}]" if ":" in shown else shown
    return f"http://{shown}:{port}/" + (f"?token={quote(token, safe='')}" if token else "")


def serve(
    host: str = DEFAULT_HOST,
    port: int = DEFAULT_PORT,
    data: Path | None = None,
    *,
    open_browser: bool = False,
    token: str | None = None,
    keep_days: float = KEEP_DAYS,
    max_bytes: int = MAX_UPLOAD_BYTES,
    max_files: int = MAX_UPLOAD_FILES,
    slots: int | None = None,
    run_seconds: float = RUN_SECONDS,
    on_ready: Callable[[str], None] | None = None,
) -> None:
    """Run the page and its API until interrupted (Ctrl+C)."""
    import uvicorn

    from xltool.serve.app import Settings, create_app
    from xltool.serve.store import default_data_dir

    sock = bind(host, port)
    port = sock.getsockname()[1]
    settings = Settings(
        data=data or default_data_dir(),
        limits=Limits(max_bytes=max_bytes, max_files=max_files),
        keep_days=keep_days,
        run_seconds=run_seconds,
        slots=slots or os.cpu_count() or 1,
        token=token,
        local_only=is_loopback(host),
    )
    app = create_app(settings)
    config = uvicorn.Config(
        app, log_level="warning", access_log=False, lifespan="on", timeout_graceful_shutdown=5
    )
    server = uvicorn.Server(config)
    url = page_url(host, port, token)
    if on_ready is not None or open_browser:
        threading.Thread(
            target=_when_started, args=(server, url, open_browser, on_ready), daemon=True
        ).start()
    try:
        server.run(sockets=[sock])
    finally:
        sock.close()


def _when_started(
    server: object, url: str, open_browser: bool, on_ready: Callable[[str], None] | None
) -> None:
    """Wait until uvicorn answers, then open the page and tell the caller."""
    import time

    while not getattr(server, "started", False) and not getattr(server, "should_exit", False):
        time.sleep(0.05)
    if not getattr(server, "started", False):
        return
    if on_ready is not None:
        on_ready(url)
    if open_browser:
        webbrowser.open(url)
