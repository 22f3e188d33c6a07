"""The web page's server: the page itself and the JSON API of api.md, on Starlette.

Starlette (with uvicorn and python-multipart) is the small, well-kept ASGI toolkit made for this: routing,
responses and a test-friendly app object, no template engine or ORM to carry. The page is three static
files served from the package, so it works offline; everything it shows comes from the JSON API.
"""

from __future__ import annotations

import contextlib
import json
import logging
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import anyio
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import ClientDisconnect, Request
from starlette.responses import FileResponse, JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from xltool.serve import downloads
from xltool.serve.guard import Guard
from xltool.serve.jobs import Runner
from xltool.serve.limits import KEEP_DAYS, RUN_SECONDS, Limits, size_text
from xltool.serve.store import ACTIVE, RunRecord, Store
from xltool.serve.upkeep import Upkeep
from xltool.serve.uploads import MSG_TOO_LARGE, UploadRefused, UploadWriter
from xltool.serve.worker import read_outcome

MSG_NOT_FOUND = "没有找到这次审核（可能已被删除，或已超过保留期限被清理）"
MSG_NOT_DONE = "这次审核尚未完成，完成后才能下载"
MSG_NO_FILE = "没有这个文件"
MSG_PROFILE = "评分规则“{name}”不存在；可选：{names}"
MSG_INTERNAL = "服务器内部错误，请稍后重试；若反复出现，请联系管理员"
STATIC = {
    "app.js": "text/javascript",
    "result.js": "text/javascript",
    "app.css": "text/css",
    "index.html": "text/html",
}
SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self';"
        " frame-ancestors 'none'"
    ),
}

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Settings:
    """How the server runs: where its data lives, what it accepts, who may use it."""

    data: Path
    limits: Limits = field(default_factory=Limits)
    keep_days: float = KEEP_DAYS
    run_seconds: float = RUN_SECONDS
    slots: int = 1
    token: str | None = None
    local_only: bool = True  # bound to the loopback interface: only localhost names are accepted


def create_app(settings: Settings) -> Starlette:
    """The Starlette application: the page, its static files and the JSON API."""
    settings.data.mkdir(parents=True, exist_ok=True)
    store = Store(settings.data)
    runner = Runner(store, settings.slots, settings.run_seconds)
    upkeep = Upkeep(store, runner, settings.keep_days)
    api = _Api(settings, store, runner)

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        upkeep.recover()
        runner.start()
        upkeep.start()
        try:
            yield
        finally:
            upkeep.stop()
            await anyio.to_thread.run_sync(runner.stop)
            store.close()

    routes = [
        Route("/", api.page),
        Route("/static/{name}", api.static),
        Route("/api/config", api.config),
        Route("/api/session", api.session, methods=["POST"]),
        Route("/api/rules", api.rules),
        Route("/api/runs", api.list_runs, methods=["GET"]),
        Route("/api/runs", api.create_run, methods=["POST"]),
        Route("/api/runs/{id}", api.get_run, methods=["GET"]),
        Route("/api/runs/{id}", api.delete_run, methods=["DELETE"]),
        Route("/api/runs/{id}/download", api.download),
        Route("/api/runs/{id}/files/{path:path}", api.file),
    ]
    app = Starlette(
        routes=routes,
        middleware=[Middleware(Guard, token=settings.token, local_only=settings.local_only)],
        lifespan=lifespan,
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.store = store
    app.state.runner = runner
    return app


def error(status: int, message: str, **extra: Any) -> JSONResponse:
    """A JSON error: ``{"error": <Chinese message saying what to do>}``."""
    return JSONResponse({"error": message, **extra}, status_code=status, headers=SECURITY_HEADERS)


async def _http_error(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    message = {404: "没有这个页面或接口", 405: "不支持这种请求方式"}.get(status, "请求有误")
    return error(status, message)


async def _internal_error(request: Request, exc: Exception) -> Response:
    log.exception("request failed: %s %s", request.method, request.url.path, exc_info=exc)
    return error(500, MSG_INTERNAL)


class _Api:
    """The route handlers, sharing the store and the runner."""

    def __init__(self, settings: Settings, store: Store, runner: Runner) -> None:
        self.settings = settings
        self.store = store
        self.runner = runner
        self.static_dir = resources.files("xltool.serve") / "static"

    # -- the page

    async def page(self, request: Request) -> Response:
        token = request.query_params.get("token")
        if token is not None:  # a link with the token: keep it in a cookie, drop it from the address
            response: Response = RedirectResponse("/", status_code=303)
            Guard.set_cookie(response, token)
            return response
        return self._static_response("index.html")

    async def static(self, request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return error(404, MSG_NO_FILE)
        return self._static_response(name)

    def _static_response(self, name: str) -> Response:
        data = (self.static_dir / name).read_bytes()
        headers = {"Cache-Control": "no-cache", **SECURITY_HEADERS}
        return Response(data, media_type=STATIC[name], headers=headers)

    async def config(self, request: Request) -> Response:
        from xltool.read.limits import SUFFIXES
        from xltool.read.written import REPORT_SUFFIXES
        from xltool.rules.profile import BUILTIN, load_profile
        from xltool.version import __version__

        profiles = [{"name": name, "title": load_profile(name).title} for name in BUILTIN]
        limits = self.settings.limits
        return JSONResponse(
            {
                "version": __version__,
                "profiles": profiles,
                "limits": {"max_bytes": limits.max_bytes, "max_files": limits.max_files},
                "suffixes": sorted({*SUFFIXES, *REPORT_SUFFIXES, ".zip"}),
                "keep_days": self.settings.keep_days,
            }
        )

    async def session(self, request: Request) -> Response:
        with contextlib.suppress(ValueError):
            token = (await request.json()).get("token")
            if Guard.matches(self.settings.token, token):
                response = JSONResponse({"ok": True})
                Guard.set_cookie(response, token)
                return response
        return error(401, "访问口令不正确，请向管理员确认后重新输入")

    async def rules(self, request: Request) -> Response:
        from xltool.rules.catalogue import FAMILIES, RULES

        items = [
            {"id": r.id, "family": r.family, "severity": r.severity, "name": r.name, "title": r.title}
            for r in RULES
        ]
        return JSONResponse({"rules": items, "families": FAMILIES})

    # -- runs

    async def list_runs(self, request: Request) -> Response:
        records = await anyio.to_thread.run_sync(self.store.records)
        return JSONResponse({"runs": [self._status(record, detail=False) for record in records]})

    async def create_run(self, request: Request) -> Response:
        from xltool.rules.profile import BUILTIN, DEFAULT

        limits = self.settings.limits
        run_id, folder = self.store.new_folder()
        writer: UploadWriter | None = None
        try:
            length = int(request.headers.get("content-length") or 0)
            if length > limits.max_bytes + (64 << 10):  # beyond the limit whatever the multipart overhead
                raise UploadRefused(413, MSG_TOO_LARGE.format(limit=size_text(limits.max_bytes)))
            writer = UploadWriter(request.headers.get("content-type", ""), folder, limits)
            async for chunk in request.stream():
                await anyio.to_thread.run_sync(writer.write, chunk)
            received = await anyio.to_thread.run_sync(writer.finish)
            profile = received.profile or DEFAULT
            if profile not in BUILTIN:
                raise UploadRefused(400, MSG_PROFILE.format(name=profile, names="、".join(BUILTIN)))
        except BaseException as exc:  # nothing of a refused or broken upload is kept
            if writer is not None:
                writer.close()
            await anyio.to_thread.run_sync(self.store.remove_folder, run_id)
            if isinstance(exc, UploadRefused):
                notes = [{"name": n, "message": m} for n, m in exc.notes]
                return error(exc.status, exc.message, notes=notes)
            if isinstance(exc, ClientDisconnect | ValueError):
                return error(400, "上传中断或格式有误，请重新上传")
            raise
        record = RunRecord(
            id=run_id,
            created=time.time(),
            status="queued",
            profile=profile,
            label=received.label(),
            files=len(received.files),
            bytes=received.bytes,
            notes=tuple(received.notes),
        )
        self.store.add(record)
        self.runner.submit(run_id, profile, len(received.files))
        return JSONResponse({"id": run_id}, status_code=201, headers={"Location": f"/api/runs/{run_id}"})

    def _record(self, request: Request) -> RunRecord:
        run_id = request.path_params["id"]
        record = self.store.get(run_id) if isinstance(run_id, str) else None
        if record is None:
            raise _NotFound()
        return record

    def _status(self, record: RunRecord, detail: bool = True) -> dict[str, Any]:
        body = record.summary()
        body["progress"] = 1.0 if record.status in ("done", "failed") else 0.0
        if detail and record.status == "done":  # the summary's name, from its run (the writer imports pandas)
            outcome = read_outcome(self.store.folder(record.id)) or {}
            body["summary_file"] = outcome.get("summary_file")
        if record.status in ACTIVE:
            state = self.runner.state(record.id)
            if state is not None:
                body["progress"] = state.pop("progress")
                body["phase"] = state
        return body

    async def get_run(self, request: Request) -> Response:
        try:
            record = self._record(request)
        except _NotFound:
            return error(404, MSG_NOT_FOUND)
        body = self._status(record)
        report = self.store.folder(record.id) / "out" / "report.json"
        raw = await anyio.to_thread.run_sync(_read_bytes, report) if record.status == "done" else None
        # report.json is spliced in as written, not parsed and dumped again (a large batch's is large).
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        data = data[:-1] + b', "report": ' + (raw or b"null") + b"}"
        return Response(data, media_type="application/json", headers={"Cache-Control": "no-store"})

    async def delete_run(self, request: Request) -> Response:
        try:
            record = self._record(request)
        except _NotFound:
            return error(404, MSG_NOT_FOUND)
        await anyio.to_thread.run_sync(self.runner.cancel, record.id)
        await anyio.to_thread.run_sync(self.store.delete, record.id)
        return Response(status_code=204)

    async def download(self, request: Request) -> Response:
        try:
            record = self._record(request)
        except _NotFound:
            return error(404, MSG_NOT_FOUND)
        if record.status != "done":
            return error(409, MSG_NOT_DONE)
        folder = self.store.folder(record.id)
        department = request.query_params.get("department")
        if department is None:
            path = await anyio.to_thread.run_sync(downloads.whole_zip, folder)
            return FileResponse(path, filename=f"审核结果-{record.label}.zip", media_type="application/zip")
        data = await anyio.to_thread.run_sync(downloads.department_zip, folder, department)
        if data is None:
            return error(404, f"这次审核中没有部门“{department}”")
        name = downloads.attachment(f"{department}-评分工作簿.zip")
        return Response(data, media_type="application/zip", headers={"Content-Disposition": name})

    async def file(self, request: Request) -> Response:
        try:
            record = self._record(request)
        except _NotFound:
            return error(404, MSG_NOT_FOUND)
        if record.status != "done":
            return error(409, MSG_NOT_DONE)
        path = downloads.out_file(self.store.folder(record.id), request.path_params["path"])
        if path is None:
            return error(404, MSG_NO_FILE)
        return FileResponse(path, filename=path.name)


class _NotFound(Exception):
    """No run with that id."""


def _read_bytes(path: Path) -> bytes | None:
    try:
        return path.read_bytes()
    except OSError:
        return None
