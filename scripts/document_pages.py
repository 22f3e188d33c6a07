"""Pictures of the Word documents for the README: ``python scripts/document_pages.py [OUT_DIR]`` (docs/).

Writes the sample's 审核意见书 and 自评报告 draft, and the 审核报告 of a batch of the sample and eleven
generated departments; converts each with LibreOffice (soffice) and renders its first two pages side
by side with pdftoppm (poppler) into letter.png, batch-report.png and draft.png.
"""

from __future__ import annotations

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
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
