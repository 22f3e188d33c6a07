"""Write the shipped sample: ``python scripts/make_sample.py [OUT_DIR]`` (default ``samples/``)."""

from __future__ import annotations

import sys
from pathlib import Path

# The form generator is a test-support module (tests/support/sample_forms.py).
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sample_report import write_report
from support.sample_forms import taoyuan_2022, write_department


def main(argv: list[str]) -> int:
    """Write <OUT_DIR>/桃源县自然资源局/ with the three filled workbooks and the written report."""
    if len(argv) > 1 or (argv and argv[0] in ("-h", "--help")):
        print(__doc__)
        return 0 if argv and argv[0] in ("-h", "--help") else 2
    out = Path(argv[0]) if argv else Path("samples")
    dept = taoyuan_2022()
    for path in write_department(out / dept.name, dept):
        print(path)
    print(write_report(out / dept.name))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
