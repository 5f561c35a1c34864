"""``stackplan validate``: predictions against published measurements."""

from __future__ import annotations

from stackplan.cli import app
from stackplan.cli._common import console, handle_errors


@app.command("validate")
@handle_errors
def validate() -> None:
    """Print predicted vs published for every validation case, with median and maximum |error|."""
    console.print("no validation cases yet")
