"""Regenerate the committed templates: ``python scripts/make_templates.py [OUT_DIR]`` (default templates/)."""

from __future__ import annotations

import sys
from pathlib import Path

from xltool.forms.layouts import FormKind
from xltool.write.templates import write_templates

# The repository copies use English file names; `xltool templates` uses the layouts' Chinese ones.
REPOSITORY_NAMES: dict[FormKind, str] = {
    "basic_data": "attachment1.xlsx",
    "department": "attachment2.xlsx",
    "project": "attachment3.xlsx",
}


def main(argv: list[str]) -> int:
    """Write attachment1/2/3.xlsx (blank year) into OUT_DIR."""
    if argv and argv[0] in ("-h", "--help"):
        print(__doc__)
        return 0
    if len(argv) > 1:
        print(__doc__, file=sys.stderr)
        return 2
    folder = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent / "templates"
    for path in write_templates(folder, year=None, names=REPOSITORY_NAMES):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
