"""The example scenarios, shipped with the package (so that a non-editable install has them too).

The repository's ``examples/`` folder holds the same files for people reading the source; a test checks
that the two copies are identical (``tests/unit/test_examples_packaged.py``).
"""

from __future__ import annotations

from pathlib import Path

__all__ = ["EXAMPLES_DIR", "example_path", "example_scenarios"]

#: The folder of the packaged examples (scenarios at the top, capacity and governance inputs below).
EXAMPLES_DIR = Path(__file__).resolve().parent


def example_path(name: str) -> Path:
    """The path of a packaged example file, e.g. ``example_path("enterprise_research.yaml")``."""
    path = EXAMPLES_DIR / name
    if not path.is_file():
        known = ", ".join(sorted(p.name for p in EXAMPLES_DIR.glob("*.yaml")))
        raise FileNotFoundError(f"no packaged example {name!r}; the scenarios are {known}")
    return path


def example_scenarios() -> dict[str, Path]:
    """The packaged example scenarios: {name (file stem): path}, sorted by name."""
    return {p.stem: p for p in sorted(EXAMPLES_DIR.glob("*.yaml"))}
