"""Run every ``benchmarks/bench_*.py`` script (``make bench``)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).parent
    for path in sorted(here.glob("bench_*.py")):
        print(f"== {path.name}")
        sys.stdout.flush()
        runpy.run_path(str(path), run_name="__main__")


if __name__ == "__main__":
    main()
