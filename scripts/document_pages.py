"""Pictures of the Word documents for the README: ``python scripts/document_pages.py [OUT_DIR]`` (docs/).

Writes the sample's 审核意见书 and 自评报告 draft, and the 审核报告 of a batch of the sample and eleven
generated departments; converts each with LibreOffice (soffice) and renders its first two pages side
by side with pdftoppm (poppler) into letter.png, batch-report.png and draft.png. The sample's annotated
自评报告 goes to annotated-report.png: the page holding its comment, with the comment printed in the
margin as Word shows it, which needs LibreOffice 7.6 or newer and a virtual display (``xvfb-run``; see
``annotated_pdf.py``); without them that picture is skipped with a note.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))  # the form generator is a test-support module

from support import sample_forms  # noqa: E402

from xltool import draft, reconcile  # noqa: E402

SAMPLE = ROOT / "samples"
NAME = "桃源县自然资源局"
DPI = 60


def pages(document: Path, folder: Path, target: Path, first: int = 1) -> None:
    """Pages first and first + 1 of a document, side by side, as a PNG."""
    from PIL import Image

    subprocess.run(
        ["soffice", f"-env:UserInstallation={(folder / 'lo').as_uri()}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), str(document)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    pdf = folder / (document.stem + ".pdf")
    prefix = folder / document.stem
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(DPI), "-f", str(first), "-l", str(first + 1), str(pdf), str(prefix)],
        check=True,
    )
    images = [Image.open(p) for p in sorted(folder.glob(f"{document.stem}-*.png"))]
    width, height = images[0].size
    sheet = Image.new("RGB", (width * len(images) + 10 * (len(images) - 1), height), "#9E9E9E")
    for i, image in enumerate(images):
        sheet.paste(image, (i * (width + 10), 0))
    sheet.save(target, optimize=True)


def _uno_python() -> str | None:
    """A Python on PATH that has LibreOffice's bridge (Debian's python3-uno is for the system Python)."""
    for folder in os.environ.get("PATH", "").split(os.pathsep):
        candidate = Path(folder) / "python3"
        if candidate.is_file():
            probe = subprocess.run([str(candidate), "-c", "import uno"], capture_output=True)
            if probe.returncode == 0:
                return str(candidate)
    return None


def annotated(document: Path, folder: Path, target: Path) -> None:
    """The first page of ``document`` that carries a comment, printed with its comments in the margin."""
    from PIL import Image, ImageChops

    python = _uno_python()
    if not shutil.which("xvfb-run") or python is None:
        print(
            "annotated-report.png skipped: needs xvfb-run, LibreOffice 7.6 or newer and its uno bridge",
            file=sys.stderr,
        )
        return
    pdf = folder / "annotated.pdf"
    subprocess.run(
        ["xvfb-run", "-a", "-s", "-screen 0 1600x1200x24", python, str(ROOT / "scripts" / "annotated_pdf.py"),
         str(document), str(pdf)],
        check=True, capture_output=True, timeout=300,
    )  # fmt: skip
    text = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True, text=True)
    page = next(i for i, p in enumerate(text.stdout.split("\f"), 1) if re.search(r"规则\s*N-", p))
    prefix = folder / "annotated"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "100", "-f", str(page), "-l", str(page), str(pdf), str(prefix)], check=True
    )
    image = Image.open(next(folder.glob("annotated-*.png"))).convert("RGB")
    box = ImageChops.difference(image, Image.new("RGB", image.size, "white")).getbbox()
    if box is not None:
        left, top, right, bottom = box
        image = image.crop(
            (
                max(left - 30, 0),
                max(top - 30, 0),
                min(right + 30, image.width),
                min(bottom + 30, image.height),
            )
        )
    image.save(target, optimize=True)


def main(argv: list[str]) -> int:
    """Write the three pictures into OUT_DIR."""
    out = Path(argv[0]) if argv else ROOT / "docs"
    with tempfile.TemporaryDirectory() as work:
        folder = Path(work)
        batch = folder / "batch"
        shutil.copytree(SAMPLE / NAME, batch / NAME)
        seed = sample_forms.taoyuan_2022()
        for i in range(11):
            department = sample_forms.vary(seed, i + 1)
            sample_forms.write_department(batch / department.name, department)
        run = reconcile(batch, folder / "out", jobs=2)
        drafted = draft(SAMPLE, folder / "drafts")
        pages(run.out / "审核意见书" / f"{NAME}.docx", folder, out / "letter.png")
        pages(run.out / "审核报告.docx", folder, out / "batch-report.png")
        pages(folder / "drafts" / drafted.written[0], folder, out / "draft.png")
        sample = reconcile(SAMPLE, folder / "sample")
        report = next((sample.out / NAME).glob("*自评报告*.docx"))
        annotated(report, folder, out / "annotated-report.png")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
