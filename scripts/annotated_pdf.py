"""A Word document to PDF with its comments printed in the page margin, as Word shows them.

``xvfb-run -a python3 scripts/annotated_pdf.py IN.docx OUT.pdf`` — run by ``document_pages.py`` for the
README's picture of the annotated copy. Needs LibreOffice 7.6 or newer with its Python bridge (the
system ``python3`` with ``uno``; on Debian 12 ``apt install -t bookworm-backports libreoffice-writer
xvfb``). Printing comments in the margin needs a document window, so LibreOffice is started with a
(virtual) display rather than ``--headless``, which gives only note icons.
"""

from __future__ import annotations

import contextlib
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import uno  # type: ignore[import-not-found]
from com.sun.star.beans import PropertyValue  # type: ignore[import-not-found]

PIPE = "xltool-annotated-pdf"
COMMENT_WIDTH = 1.5  # LibreOffice's comment bar width factor (1–8); wider runs off the PDF page


def _prop(name: str, value: object) -> PropertyValue:
    prop = PropertyValue()
    prop.Name, prop.Value = name, value
    return prop


def convert(source: Path, target: Path) -> None:
    """Open ``source`` in a LibreOffice window and export it as a PDF with comments in the margin."""
    with tempfile.TemporaryDirectory() as profile:
        office = subprocess.Popen(
            ["soffice", f"-env:UserInstallation={Path(profile).as_uri()}", "--norestore", "--nologo",
             f"--accept=pipe,name={PIPE};urp;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        try:
            local = uno.getComponentContext()
            resolver = local.ServiceManager.createInstanceWithContext(
                "com.sun.star.bridge.UnoUrlResolver", local
            )
            for _ in range(120):
                try:
                    ctx = resolver.resolve(f"uno:pipe,name={PIPE};urp;StarOffice.ComponentContext")
                    break
                except Exception:  # LibreOffice is still starting
                    time.sleep(0.5)
            else:
                raise SystemExit("LibreOffice did not start")
            manager = ctx.ServiceManager
            config = manager.createInstanceWithContext(
                "com.sun.star.configuration.ConfigurationProvider", ctx
            )
            notes = config.createInstanceWithArguments(
                "com.sun.star.configuration.ConfigurationUpdateAccess",
                (_prop("nodepath", "/org.openoffice.Office.Writer/Notes"),),
            )
            notes.setPropertyValue("DisplayWidthFactor", COMMENT_WIDTH)
            notes.commitChanges()
            desktop = manager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
            document = desktop.loadComponentFromURL(source.resolve().as_uri(), "_blank", 0, ())
            data = uno.Any(
                "[]com.sun.star.beans.PropertyValue",
                (_prop("ExportNotesInMargin", True), _prop("ExportNotes", False)),
            )
            document.storeToURL(
                target.resolve().as_uri(),
                (_prop("FilterName", "writer_pdf_Export"), _prop("FilterData", data)),
            )
            document.close(True)
            with contextlib.suppress(Exception):  # the bridge closes as LibreOffice exits
                desktop.terminate()
            office.wait(timeout=60)
        finally:
            if office.poll() is None:
                office.kill()


if __name__ == "__main__":
    convert(Path(sys.argv[1]), Path(sys.argv[2]))
