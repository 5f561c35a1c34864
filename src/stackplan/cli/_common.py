"""Shared helpers of the command-line layer: console, errors, JSON output. No logic of its own."""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any, ParamSpec, TypeVar

import typer
from rich.console import Console

from stackplan.errors import DoesNotFitError, InputError, StackplanError

console = Console()
err_console = Console(stderr=True)

P = ParamSpec("P")
R = TypeVar("R")

#: Exit code for user errors (bad input, does not fit).
EXIT_USER_ERROR = 2


def handle_errors(func: Callable[P, R]) -> Callable[P, R]:
    """Turn Stackplan errors into a readable message and exit code 2: never a traceback."""

    @wraps(func)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            return func(*args, **kwargs)
        except InputError as err:
            err_console.print("[bold red]error:[/] invalid input")
            for p in err.problems:
                err_console.print(f"  - {p}", markup=False, highlight=False)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except DoesNotFitError as err:
            err_console.print(f"[bold red]error:[/] {err}", highlight=False)
            raise typer.Exit(EXIT_USER_ERROR) from None
        except StackplanError as err:
            err_console.print(f"[bold red]error:[/] {err}", highlight=False)
            raise typer.Exit(EXIT_USER_ERROR) from None

    return wrapper


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_clean(v) for v in obj]
    return obj


def print_json(data: Any) -> None:
    """Print ``data`` as JSON on stdout (NaN and infinities become null)."""
    sys.stdout.write(json.dumps(_clean(data), indent=2) + "\n")


def write_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a reader never sees a half-written file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
