"""A real `xltool serve` in a thread for the page's tests: uvicorn on a free port, requests with urllib.

The server is the one `xltool serve` runs (the same app, uvicorn, sockets and worker processes), so a
test exercises real HTTP, real multipart bodies and real concurrency rather than a test client.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import uvicorn

from xltool.serve.app import Settings, create_app
from xltool.serve.server import bind


@dataclass
class Reply:
    """An HTTP answer: status, headers, body."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


@contextmanager
def running(data: Path, **options: Any) -> Iterator[str]:
    """A server over ``data`` until the block ends; yields its base URL (``http://127.0.0.1:PORT/``)."""
    options.setdefault("slots", 2)
    app = create_app(Settings(data=data, **options))
    sock = bind("127.0.0.1", 0)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 60
    while not server.started:
        assert thread.is_alive() and time.monotonic() < deadline, "the server did not start"
        time.sleep(0.02)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/"
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        sock.close()


def request(
    url: str, method: str = "GET", body: bytes | None = None, headers: dict[str, str] | None = None
) -> Reply:
    """One request; an HTTP error status is returned, not raised."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=60) as response:
            return Reply(response.status, dict(response.headers), response.read())
    except urllib.error.HTTPError as exc:
        return Reply(exc.code, dict(exc.headers), exc.read())


def multipart(files: Sequence[tuple[str, bytes]], fields: dict[str, str] | None = None) -> tuple[bytes, str]:
    """A multipart/form-data body with each file as a ``files`` part; (body, content type)."""
    boundary = uuid.uuid4().hex
    parts: list[bytes] = []
    for name, value in (fields or {}).items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
        )
    for name, data in files:
        quoted = name.replace('"', "%22")
        head = (
            f"--{boundary}\r\nContent-Disposition: form-data; "
            f'name="files"; filename="{quoted}"\r\nContent-Type: application/octet-stream\r\n\r\n'
        )
        parts.append(head.encode() + data + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def upload(base: str, files: Sequence[tuple[str, bytes]], **fields: str) -> Reply:
    """POST /api/runs with these files."""
    body, content_type = multipart(files, fields)
    return request(base + "api/runs", "POST", body, {"Content-Type": content_type})


def wait_done(base: str, run_id: str, seconds: float = 120) -> dict[str, Any]:
    """Poll a run until it is done or failed; its final status."""
    deadline = time.monotonic() + seconds
    while True:
        status = request(f"{base}api/runs/{run_id}").json()
        if status["status"] in ("done", "failed"):
            return dict(status)
        assert time.monotonic() < deadline, f"run {run_id} still {status['status']}"
        time.sleep(0.1)


def sample_files(folder: Path, prefix: str = "") -> list[tuple[str, bytes]]:
    """The workbooks of a folder as (upload name, bytes), named ``prefix/<file>``."""
    return [(f"{prefix}{path.name}", path.read_bytes()) for path in sorted(folder.glob("*.xlsx"))]
