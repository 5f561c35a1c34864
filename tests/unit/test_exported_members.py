"""The curated public API: everything in ``stackplan.__all__`` exists and is documented, and every
exception a user can meet is exported from the one hierarchy."""

from __future__ import annotations

import inspect

import stackplan
from stackplan import errors


def test_all_names_exist_and_are_documented() -> None:
    for name in stackplan.__all__:
        obj = getattr(stackplan, name)
        if inspect.isclass(obj) or inspect.isfunction(obj):
            assert inspect.getdoc(obj), f"stackplan.{name} has no docstring"


def test_all_has_no_duplicates() -> None:
    names = [n for n in stackplan.__all__ if n != "__version__"]
    assert len(set(names)) == len(names)


def test_every_stackplan_error_is_exported() -> None:
    defined = {
        name
        for name, obj in vars(errors).items()
        if inspect.isclass(obj) and issubclass(obj, errors.StackplanError)
    }
    assert defined <= set(stackplan.__all__)
    assert defined <= set(errors.__all__)


def test_errors_share_one_root() -> None:
    for name in stackplan.__all__:
        obj = getattr(stackplan, name)
        if inspect.isclass(obj) and issubclass(obj, Exception):
            assert issubclass(obj, errors.StackplanError), name
