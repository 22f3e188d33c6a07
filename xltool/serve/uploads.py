"""An upload to the page, streamed straight into the run's folder: workbooks kept, zips unpacked, limits held.

The multipart body is parsed as it arrives (python-multipart's streaming parser) and each file part is
written under ``RUN/in/`` at its sanitised relative path, so that nothing lands outside the run's
folder (not even in the system's temporary folder) and a body over the size limit is refused as soon
as it passes the limit rather than after it has been stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import IO, Any

from python_multipart.multipart import MultipartParseError, MultipartParser, parse_options_header

from xltool.read.limits import SUFFIXES
from xltool.read.written import REPORT_SUFFIXES
from xltool.serve.archives import unpack
from xltool.serve.limits import Limits, size_text
from xltool.serve.names import Placer, safe_relative

MSG_TOO_LARGE = "上传的文件合计超过上限（{limit}），未保存。请分批上传，例如每次只上传一个或几个部门的文件。"
MSG_TOO_MANY = "上传的文件超过{limit}个，未保存。请分批上传，例如每次只上传一个或几个部门的文件。"
MSG_NOT_MULTIPART = "上传格式不正确：请用 multipart/form-data 上传，文件字段名为 files。"
MSG_BAD_BODY = "上传内容不完整或格式有误（可能上传中断），请重新上传。"
MSG_NO_WORKBOOKS = (
    "没有收到可审核的工作簿（.xlsx、.xlsm、.xls，或装有它们的 .zip 压缩包）。请选择工作簿后再开始审核。"
)
MSG_OTHER_FILE = "不是工作簿、书面自评报告（.docx、.txt）或zip压缩包，已忽略"
MSG_BAD_NAME = "文件名无法使用，已跳过；请给文件改名后重新上传"
MSG_MORE_NOTES = "另有{count}个文件未保存（原因同上）"
MAX_NOTES = 100
MAX_FIELD = 200  # bytes of a text field (the profile name)


class UploadRefused(Exception):
    """An upload the server does not take: an HTTP status and a Chinese message saying what to do."""

    def __init__(self, status: int, message: str, notes: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.notes = notes or []


@dataclass
class Received:
    """A complete upload: the workbooks kept (relative to ``RUN/in``), their size, notes, the fields."""

    files: list[str] = field(default_factory=list)
    bytes: int = 0
    notes: list[tuple[str, str]] = field(default_factory=list)
    profile: str | None = None
    names: list[PurePosixPath] = field(default_factory=list)  # as uploaded (sanitised), for the label

    def label(self) -> str:
        """A short name for the run until its departments are known: the folder or first file uploaded."""
        tops = list(dict.fromkeys(name.parts[0] for name in self.names))
        if not tops:
            return "未命名"
        return tops[0] if len(tops) == 1 else f"{tops[0]} 等{len(tops)}项"


class UploadWriter:
    """Parse one multipart body chunk by chunk into a run's folder (called from a worker thread)."""

    def __init__(self, content_type: str, folder: Path, limits: Limits) -> None:
        kind, params = parse_options_header(content_type)
        if kind != b"multipart/form-data" or b"boundary" not in params:
            raise UploadRefused(400, MSG_NOT_MULTIPART)
        self.folder = folder
        self.limits = limits
        self.placer = Placer(folder / "in")
        self.placer.root.mkdir(parents=True, exist_ok=True)
        self.received = Received()
        self._body = 0
        self._stored = 0  # workbooks and zips written so far
        self._zips: list[tuple[Path, PurePosixPath]] = []
        self._headers: dict[bytes, bytes] = {}
        self._header = (b"", b"")
        self._sink: IO[bytes] | None = None
        self._sink_path: Path | None = None
        self._text: bytearray | None = None
        self._skipped_notes = 0
        callbacks: Any = {
            "on_part_begin": self._part_begin,
            "on_part_data": self._part_data,
            "on_part_end": self._part_end,
            "on_header_field": self._header_field,
            "on_header_value": self._header_value,
            "on_header_end": self._header_end,
            "on_headers_finished": self._headers_finished,
        }
        self._parser = MultipartParser(params[b"boundary"], callbacks)

    def write(self, chunk: bytes) -> None:
        """Feed the next piece of the body."""
        self._body += len(chunk)
        if self._body > self.limits.max_bytes:
            raise UploadRefused(413, MSG_TOO_LARGE.format(limit=size_text(self.limits.max_bytes)))
        try:
            self._parser.write(chunk)
        except MultipartParseError as exc:
            raise UploadRefused(400, MSG_BAD_BODY) from exc

    def finish(self) -> Received:
        """The body is complete: unpack the zips and say what was received."""
        try:
            self._parser.finalize()
        except MultipartParseError as exc:
            raise UploadRefused(400, MSG_BAD_BODY) from exc
        if self._sink is not None:  # the body ended inside a part
            raise UploadRefused(400, MSG_BAD_BODY)
        got = self.received
        for archive, uploaded in self._zips:
            left_files = self.limits.max_files - len(got.files)
            result = unpack(archive, uploaded, self.placer, left_files, self.limits.max_bytes - got.bytes)
            archive.unlink(missing_ok=True)
            got.files.extend(result.files)
            got.bytes += result.bytes
            for name, message in result.notes:
                self._note(name, message)
        if self._skipped_notes:
            got.notes.append(("", MSG_MORE_NOTES.format(count=self._skipped_notes)))
        if not got.files:
            raise UploadRefused(400, MSG_NO_WORKBOOKS, got.notes)
        return got

    def close(self) -> None:
        """Close a file left open by an aborted upload."""
        if self._sink is not None:
            self._sink.close()
            self._sink = None

    # -- parser callbacks

    def _part_begin(self) -> None:
        self._headers = {}

    def _header_field(self, data: bytes, start: int, end: int) -> None:
        self._header = (self._header[0] + data[start:end], self._header[1])

    def _header_value(self, data: bytes, start: int, end: int) -> None:
        self._header = (self._header[0], self._header[1] + data[start:end])

    def _header_end(self) -> None:
        self._headers[self._header[0].lower()] = self._header[1]
        self._header = (b"", b"")

    def _headers_finished(self) -> None:
        _, options = parse_options_header(self._headers.get(b"content-disposition", b""))
        field_name = options.get(b"name", b"").decode("utf-8", errors="replace")
        filename = options.get(b"filename")
        if filename is None:
            self._text = bytearray() if field_name == "profile" else None
        elif field_name == "files" and filename:
            self._open_file(filename.decode("utf-8", errors="replace"))

    def _part_data(self, data: bytes, start: int, end: int) -> None:
        if self._sink is not None:
            self._sink.write(data[start:end])
        elif self._text is not None and len(self._text) < MAX_FIELD:
            self._text += data[start : min(end, start + MAX_FIELD - len(self._text))]

    def _part_end(self) -> None:
        if self._text is not None:
            self.received.profile = self._text.decode("utf-8", errors="replace").strip() or None
            self._text = None
        if self._sink is None:
            return
        self._sink.close()
        self._sink = None
        path = self._sink_path
        assert path is not None
        if path.parent != self.folder / "zips":
            self.received.files.append(path.relative_to(self.placer.root).as_posix())
            self.received.bytes += path.stat().st_size

    def _open_file(self, name: str) -> None:
        """Open where a file part goes (a workbook under ``in``, a zip beside it), or note why not."""
        relative = safe_relative(name)
        if relative is None:
            self._note(name, MSG_BAD_NAME)
            return
        suffix = relative.suffix.lower()
        if suffix not in SUFFIXES and suffix not in REPORT_SUFFIXES and suffix != ".zip":
            self._note(relative.as_posix(), MSG_OTHER_FILE)
            return
        self._stored += 1
        if self._stored > self.limits.max_files:
            raise UploadRefused(413, MSG_TOO_MANY.format(limit=self.limits.max_files))
        self.received.names.append(relative)
        if suffix == ".zip":
            zips = self.folder / "zips"
            zips.mkdir(exist_ok=True)
            path = zips / f"{len(self._zips)}.zip"
            self._zips.append((path, relative))
        else:
            path = self.placer.place(relative)
        self._sink_path = path
        self._sink = open(path, "xb")  # noqa: SIM115 — closed at the part's end or by close()

    def _note(self, name: str, message: str) -> None:
        if len(self.received.notes) < MAX_NOTES:
            self.received.notes.append((name, message))
        else:
            self._skipped_notes += 1
