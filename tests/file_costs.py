"""Write tests/file_costs.txt (each test file's measured cost, read by tests/conftest.py
to hand the costliest files to the xdist workers first) from a run's JUnit XML::

    bash scripts/test.sh --junitxml=/tmp/run.xml -o junit_family=xunit1
    python -m tests.file_costs /tmp/run.xml > tests/file_costs.txt

Only the order matters (tests/conftest.py scales the figures to its rough per-test
costs), so a run on a loaded machine does; a file missing from the table gets the rough
cost.  Refresh it when files are added or grow a lot.
"""

from __future__ import annotations

import sys
import xml.etree.ElementTree as ET
from collections import defaultdict


def costs(junit_xml: str) -> dict[str, float]:
    """Seconds per test file (setup, call and teardown of its tests: JUnit ``time``)."""
    total: dict[str, float] = defaultdict(float)
    for case in ET.parse(junit_xml).getroot().iter("testcase"):
        path = case.get("file")
        if path is None:
            raise SystemExit("no file attribute: run pytest with -o junit_family=xunit1")
        total[path] += float(case.get("time") or 0)
    return dict(total)


def main(argv: list[str]) -> None:
    print("# seconds path (python -m tests.file_costs; see its docstring)")
    for path, seconds in sorted(costs(argv[0]).items(), key=lambda kv: -kv[1]):
        print(f"{seconds:.1f} {path}")


if __name__ == "__main__":
    main(sys.argv[1:])
