"""The README's screenshots of the web page: empty, and a finished run of the sample, at 1366×768.

Starts `xltool serve` over a temporary data folder, drives Debian's headless Chromium with Playwright,
and writes ``docs/serve-empty.png`` and ``docs/serve-result.png``:

    python scripts/serve_screenshots.py
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "桃源县自然资源局"
DOCS = ROOT / "docs"


def main() -> None:
    from playwright.sync_api import sync_playwright

    data = Path(tempfile.mkdtemp(prefix="xltool-screenshots-"))
    server = subprocess.Popen(
        [sys.executable, "-m", "xltool.cli", "serve", "--port", "0", "--data", str(data)],
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    try:
        assert server.stdout is not None
        url = server.stdout.readline().split("：", 1)[1].strip()
        DOCS.mkdir(exist_ok=True)
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=shutil.which("chromium") or "/usr/bin/chromium",
                args=["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
            )
            page = browser.new_page(viewport={"width": 1366, "height": 768})
            page.goto(url)
            page.wait_for_selector("#profile option", state="attached")
            page.screenshot(path=DOCS / "serve-empty.png")
            page.set_input_files("#files-input", [str(p) for p in sorted(SAMPLE.glob("*.xlsx"))])
            page.click("#start")
            page.wait_for_selector("#state-done:not([hidden])", timeout=60_000)
            page.screenshot(path=DOCS / "serve-result.png")
            browser.close()
        print(f"wrote {DOCS / 'serve-empty.png'} and {DOCS / 'serve-result.png'}")
    finally:
        server.terminate()
        server.wait(timeout=30)
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
