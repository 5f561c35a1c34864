"""``stackplan demo``: the main job on the bundled example (what `make demo` runs)."""

from __future__ import annotations

from stackplan.cli import app
from stackplan.cli._common import console, handle_errors


@app.command("demo")
@handle_errors
def demo() -> None:
    """Run the main job on the bundled example."""
    console.print("Stackplan demo: nothing to run yet")
