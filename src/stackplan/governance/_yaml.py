"""Reading YAML files with errors that give the line and column."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from stackplan.errors import InputError, InputProblem

__all__ = ["read_yaml"]


def read_yaml(path: Path, *, field: str) -> Any:
    """Parse the YAML file at ``path``; a missing file or a syntax error is an :class:`InputError`."""
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as err:
        raise InputError(
            InputProblem(
                field, f"cannot read file: {err.strerror}", str(path), "give the path of an existing file"
            )
        ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err)
        raise InputError(
            InputProblem(field, f"YAML syntax error{where}: {problem}", None, "correct the YAML syntax")
        ) from None
