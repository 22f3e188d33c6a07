"""How fast `xltool serve` answers a department, and whether its memory stays flat over repeated runs.

A department's three workbooks (the 桃源县自然资源局 sample) go through the page's JSON API again and
again: the upload (POST /api/runs until 201), the check (until GET /api/runs/{id} says done, polled
every 10 ms) and the page's data (GET /api/runs/{id} with the report, parsed). The server is
`xltool serve` in a process of its own; after each run the summed PSS of its process tree (the
server, the fork server, any run still exiting) and the server's own RSS are read from /proc.

With ``--browser N`` the same is done N times from the page itself in headless Chromium (Playwright),
timed by the marks the page sets: click → uploaded → done → results shown.

    python benchmarks/serve_bench.py --rounds 30 --browser 5
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "桃源县自然资源局"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench import TreeMemory  # noqa: E402 — the /proc readers of bench.py


def start_server(data: Path) -> tuple[subprocess.Popen[str], str]:
    """`xltool serve` on a free port; the process and its URL."""
    process = subprocess.Popen(
        [sys.executable, "-m", "xltool.cli", "serve", "--port", "0", "--data", str(data)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert process.stdout is not None
    line = process.stdout.readline()
    return process, line.split("：", 1)[1].strip()


def body() -> tuple[bytes, str]:
    """The three workbooks as one multipart body."""
    boundary = uuid.uuid4().hex
    parts = []
    for path in sorted(SAMPLE.glob("*.xlsx")):
        name = f"{SAMPLE.name}/{path.name}"
        head = (
            f'--{boundary}\r\nContent-Disposition: form-data; name="files"; filename="{name}"'
            "\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        parts.append(head.encode() + path.read_bytes() + b"\r\n")
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def one_run(url: str, data: bytes, content_type: str) -> tuple[float, float, float]:
    """(upload, check, page) seconds for one run through the API."""
    t0 = time.perf_counter()
    request = urllib.request.Request(url + "api/runs", data=data, headers={"Content-Type": content_type})
    with urllib.request.urlopen(request) as response:
        run_id = json.load(response)["id"]
    t1 = time.perf_counter()
    while True:
        with urllib.request.urlopen(f"{url}api/runs/{run_id}?") as response:
            raw = response.read()
        if b'"status": "done"' in raw[:200] or b'"status": "failed"' in raw[:200]:
            break
        time.sleep(0.01)
    t2 = time.perf_counter()
    with urllib.request.urlopen(f"{url}api/runs/{run_id}") as response:
        status = json.load(response)
    t3 = time.perf_counter()
    assert status["status"] == "done" and status["counts"]["departments"] == 1, status.get("message")
    return t1 - t0, t2 - t1, t3 - t2


def memory(pid: int) -> tuple[float, float]:
    """(summed PSS of the server's process tree, the server's RSS) in MiB."""
    reader = TreeMemory(pid)
    tree = reader._tree()
    pss = sum(reader._kib(p, "Pss:", "smaps_rollup") for p in tree) / 1024
    return pss, reader._kib(pid, "VmRSS:", "status") / 1024


def browser_runs(url: str, rounds: int) -> list[tuple[float, float, float]]:
    """(upload, check, page) seconds per run as the page measures them, in headless Chromium."""
    from playwright.sync_api import sync_playwright

    files = [str(p) for p in sorted(SAMPLE.glob("*.xlsx"))]
    found: list[tuple[float, float, float]] = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=shutil.which("chromium") or "/usr/bin/chromium",
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
        )
        page = browser.new_page(viewport={"width": 1366, "height": 768})
        page.set_default_timeout(60_000)
        for _ in range(rounds):
            page.goto(url)
            page.wait_for_selector("#profile option", state="attached")
            page.set_input_files("#files-input", files)
            page.click("#start")
            page.wait_for_selector("#state-done:not([hidden])")
            marks = page.evaluate(
                "() => Object.fromEntries("
                "performance.getEntriesByType('mark').map(m => [m.name, m.startTime]))"
            )
            start, uploaded, done, shown = (
                marks[f"xltool:{n}"] / 1000 for n in ("start", "uploaded", "done", "shown")
            )
            found.append((uploaded - start, done - uploaded, shown - done))
        browser.close()
    return found


def summary(label: str, times: list[tuple[float, float, float]]) -> None:
    """Median and worst of each part, in ms."""
    parts = list(zip(*times, strict=True))
    totals = [sum(t) for t in times]
    cells = [f"{statistics.median(p) * 1000:.0f} / {max(p) * 1000:.0f}" for p in (*parts, totals)]
    print(f"| {label} | {len(times)} | " + " | ".join(cells) + " |")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=30, help="runs through the API")
    parser.add_argument("--browser", type=int, default=0, help="runs through the page in headless Chromium")
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="xltool-serve-bench-"))
    process, url = start_server(data)
    try:
        payload, content_type = body()
        first = one_run(url, payload, content_type)  # the fork server imports the library meanwhile
        times: list[tuple[float, float, float]] = []
        print("| run | upload ms | check ms | page ms | tree PSS MiB | server RSS MiB |")
        print("|---|---|---|---|---|---|")
        for n in range(1, args.rounds + 1):
            times.append(one_run(url, payload, content_type))
            time.sleep(0.2)  # let the run's process exit before memory is read
            pss, rss = memory(process.pid)
            if n in (1, 2, 5) or n % 10 == 0:
                cells = " | ".join(f"{t * 1000:.0f}" for t in times[-1])
                print(f"| {n} | {cells} | {pss:.0f} | {rss:.0f} |")
        first_ms = " / ".join(f"{t * 1000:.0f}" for t in first)
        print(f"\nfirst run after start: {first_ms} ms (upload / check / page)")
        print(f"load average (1, 5, 15 min) at the end: {', '.join(f'{x:.1f}' for x in os.getloadavg())}\n")
        print("| through | runs | upload ms (median / max) | check | page | total |")
        print("|---|---|---|---|---|---|")
        summary("API", times)
        if args.browser:
            summary("page in Chromium", browser_runs(url, args.browser))
    finally:
        process.terminate()
        process.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
