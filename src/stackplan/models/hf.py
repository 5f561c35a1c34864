"""Import of Hugging Face ``config.json`` files into :class:`ModelArchitecture`."""

from __future__ import annotations

from typing import Any

from stackplan.errors import InvalidInputError
from stackplan.models.architecture import ModelArchitecture

__all__ = ["load_hf_config"]


def load_hf_config(data: Any, *, where: str) -> ModelArchitecture:
    """Build an architecture from a parsed Hugging Face ``config.json``."""
    raise InvalidInputError("--model", "Hugging Face config import is not implemented yet", where)
