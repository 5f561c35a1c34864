"""Run every ``benchmarks/bench_*.py`` script in turn (what ``make bench`` runs)."""

from __future__ import annotations

import runpy
import sys
from pathlib import Path


def main() -> None:
    here = Path(__file__).resolve().parent
    scripts = sorted(here.glob("bench_*.py"))
    for script in scripts:
        print(f"== {script.name}", flush=True)
        runpy.run_path(str(script), run_name="__main__")
        print(flush=True)
    if not scripts:
        print("no benchmarks found", file=sys.stderr)


if __name__ == "__main__":
    main()
