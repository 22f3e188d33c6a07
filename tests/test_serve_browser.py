"""The page in a real browser: Debian's headless Chromium driven by Playwright uploads the sample, waits for
the result, reads the findings table, filters it, downloads the zip and opens it, deletes the run."""

from __future__ import annotations

import io
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from serving import running

from xltool import reconcile

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "桃源县自然资源局"
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]

sync_api = pytest.importorskip(
    "playwright.sync_api", reason="Playwright (pip install -e '.[test]') is needed for the browser test"
)
pytestmark = pytest.mark.skipif(
    not Path(CHROMIUM).exists(), reason="chromium is not installed (apt-get install chromium; .ci/run does)"
)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    with sync_api.sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield launched
        launched.close()


@pytest.fixture()
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1366, "height": 768}, accept_downloads=True)
    opened = context.new_page()
    errors: list[str] = []
    opened.on("pageerror", lambda error: errors.append(str(error)))
    yield opened
    context.close()
    assert errors == []


def findings_table(page: Any) -> list[tuple[str, str, str, str]]:
    """The findings table's rows as (rule, sheet, cell, message)."""
    rows = page.locator("#findings tbody tr[data-rule]")
    return [
        (
            row.get_attribute("data-rule"),
            row.locator("td.c-sheet").inner_text(),
            row.locator("td.c-cell").inner_text(),
            row.locator("td.c-msg").inner_text(),
        )
        for row in rows.all()
    ]


def test_upload_the_sample_read_the_findings_download_the_zip(page: Any, tmp_path: Path) -> None:
    report = reconcile(ROOT / "samples", tmp_path / "cli", jobs=1).report
    expected = sorted(
        (
            f["rule"],
            f"第{f['paragraph']}段" if f.get("paragraph") else f["sheet"],
            f["cell"] or "",
            f["message"],
        )
        for f in report["findings"]  # a written report's finding shows its paragraph, no cell
    )
    with running(tmp_path / "data") as base:
        page.goto(base)
        page.wait_for_selector("#profile option", state="attached")
        assert page.locator("#state-empty").is_visible() and page.locator("#start").is_disabled()

        page.set_input_files("#files-input", sorted(str(p) for p in SAMPLE.glob("*.*")))  # with the report
        assert page.locator("#chosen-summary").inner_text().startswith("已选择 4 个文件")
        page.select_option("#profile", "mof2020")
        page.focus("#start")
        page.keyboard.press("Enter")  # the keyboard starts it as well as a click
        page.wait_for_selector("#state-done:not([hidden])", timeout=60_000)

        assert page.locator("#result-title").inner_text() == "桃源县自然资源局"
        assert sorted(findings_table(page)) == expected
        department = page.locator("#departments tbody tr").first.locator("td")
        assert [department.nth(i).inner_text() for i in (0, 2, 3, 4)] == [
            "桃源县自然资源局",
            "91.53",
            "92.53",
            "优",
        ]

        page.select_option("#f-sev", "error")
        assert {row[0] for row in findings_table(page)} <= {f["rule"] for f in report["findings"]}
        assert len(findings_table(page)) == sum(f["severity"] == "error" for f in report["findings"])
        page.select_option("#f-rule", "B-ADJUSTMENT")
        assert findings_table(page) == []
        assert page.locator("#findings tbody").inner_text() == "没有符合筛选条件的问题。"
        page.select_option("#f-sev", "")
        adjustments = [f for f in report["findings"] if f["rule"] == "B-ADJUSTMENT"]
        assert [row[1:3] for row in findings_table(page)] == [(f["sheet"], f["cell"]) for f in adjustments]

        with page.expect_download() as download:
            page.click("text=下载全部结果（zip）")
        with zipfile.ZipFile(io.BytesIO(Path(download.value.path()).read_bytes())) as zf:
            names = set(zf.namelist())
        documents = {"审核报告.docx", "审核意见书/桃源县自然资源局.docx"}  # documents.md
        assert names == {"report.json", "审核汇总.xlsx"} | documents | {
            p.name for p in SAMPLE.glob("*.*")
        }  # files picked: no folder; the written report's annotated copy beside the scored workbooks

        history = page.locator("#runs li")
        assert history.count() == 1 and "已完成" in history.first.inner_text()
        page.once("dialog", lambda dialog: dialog.accept())
        history.first.locator("button.remove").click()
        page.wait_for_selector("#runs-empty:not([hidden])")
        assert page.locator("#state-empty").is_visible()


def test_reopening_an_earlier_run_and_the_limit_message(page: Any, tmp_path: Path) -> None:
    from serving import sample_files, upload, wait_done

    from xltool.serve.limits import Limits

    with running(tmp_path / "data", limits=Limits(max_bytes=20_000)) as base:
        run_id = upload(base, sample_files(SAMPLE)[:1]).json()["id"]
        wait_done(base, run_id)
        page.goto(base)
        page.locator("#runs li button.open").first.click()
        page.wait_for_selector("#state-done:not([hidden])")
        assert page.url.endswith(f"#/runs/{run_id}")

        page.set_input_files("#files-input", sorted(str(p) for p in SAMPLE.glob("*.xlsx")))
        message = page.locator("#upload-error").inner_text()
        assert message.startswith("所选文件合计") and "超过单次上传上限" in message
        assert page.locator("#start").is_disabled()


def test_a_folder_keeps_its_structure_and_other_files_are_left_out(page: Any, tmp_path: Path) -> None:
    folder = tmp_path / "报送" / SAMPLE.name
    shutil.copytree(SAMPLE, folder)
    (folder / "说明.pdf").write_bytes(b"%PDF-1.4")
    with running(tmp_path / "data") as base:
        page.goto(base)
        page.wait_for_selector("#profile option", state="attached")
        page.set_input_files("#folder-input", str(folder))
        assert page.locator("#chosen-summary").inner_text().startswith("已选择 4 个文件")  # with the report
        assert page.locator("#chosen-note").inner_text().startswith("已忽略 ")
        page.click("#start")
        page.wait_for_selector("#state-done:not([hidden])", timeout=60_000)
        run_id = page.url.rsplit("/", 1)[1]
    inbox = tmp_path / "data" / "runs" / run_id / "in"
    kept = sorted(p.relative_to(inbox).as_posix() for p in inbox.rglob("*") if p.is_file())
    assert kept == sorted(f"{SAMPLE.name}/{p.name}" for p in SAMPLE.glob("*.*"))


def test_the_page_asks_for_the_token_once(page: Any, tmp_path: Path) -> None:
    with running(tmp_path / "data", token="口令123") as base:
        page.goto(base)
        page.wait_for_selector("#token-dialog[open]")
        page.fill("#token-input", "错的")
        page.keyboard.press("Enter")
        page.wait_for_selector("#token-error:not([hidden])")
        assert page.locator("#token-error").inner_text() == "访问口令不正确，请向管理员确认后重新输入"
        page.fill("#token-input", "口令123")
        page.keyboard.press("Enter")
        page.wait_for_selector("#token-dialog:not([open])", state="attached")
        page.wait_for_selector("#runs-empty:not([hidden])")
        page.reload()  # the cookie keeps it
        page.wait_for_selector("#profile option", state="attached")
        assert not page.locator("#token-dialog").is_visible()


def test_files_dropped_on_the_box_are_chosen(page: Any, tmp_path: Path) -> None:
    with running(tmp_path / "data") as base:
        page.goto(base)
        page.wait_for_selector("#profile option", state="attached")
        page.evaluate(
            """() => {
                const data = new DataTransfer();
                data.items.add(new File(["x"], "附件3 项目支出绩效自评表.xlsx"));
                data.items.add(new File(["x"], "说明.pdf"));
                const box = document.getElementById("drop");
                box.dispatchEvent(new DragEvent("dragover", { dataTransfer: data, bubbles: true }));
                box.dispatchEvent(new DragEvent("drop", { dataTransfer: data, bubbles: true }));
            }"""
        )
        page.wait_for_selector("#chosen:not([hidden])")
        assert page.locator("#chosen-list").inner_text() == "附件3 项目支出绩效自评表.xlsx"
        assert page.locator("#chosen-note").inner_text().startswith("已忽略 1 个")
        assert page.locator("#start").is_enabled()
        # The box opens the file picker from the keyboard too (whether headless Chromium then reports a
        # file chooser varies from run to run; the click on the file input is what the page does).
        page.evaluate(
            "() => document.getElementById('files-input').addEventListener('click', () => window.picked = 1)"
        )
        page.focus("#drop")
        page.keyboard.press("Enter")
        page.keyboard.press("Escape")
        assert page.evaluate("() => window.picked") == 1
