"""Run every ``benchmarks/bench_*.py`` script in turn; each prints its own figures."""

from __future__ import annotations

import runpy
import sys
import time
from pathlib import Path


def main() -> None:
    here = Path(__file__).parent
    scripts = sorted(here.glob("bench_*.py"))
    if not scripts:
        print("no benchmarks found")
        return
    for script in scripts:
        print(f"\n=== {script.name} ===", flush=True)
        t0 = time.perf_counter()
        runpy.run_path(str(script), run_name="__main__")
        print(f"({script.name} took {time.perf_counter() - t0:.1f} s)", flush=True)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
