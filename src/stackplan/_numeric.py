"""Numeric helpers shared by the model functions: scalar-or-array typing without ``Any``."""

from __future__ import annotations

from typing import TypeVar, cast

import numpy as np
import numpy.typing as npt

__all__ = ["HOURS_PER_YEAR", "SECONDS_PER_DAY", "FloatArray", "FloatOrArray", "Num", "maximum", "power"]

#: Hours in a (non-leap) year [h/yr]; used to turn hourly rates into yearly amounts.
HOURS_PER_YEAR = 8760.0
#: Seconds in a day [s/day].
SECONDS_PER_DAY = 86400.0

FloatArray = npt.NDArray[np.float64]

#: A number or a numpy array of numbers: model functions accept either and broadcast like numpy.
#: ``Num`` (a type variable) where one input decides the output type, ``FloatOrArray`` where several
#: inputs may mix floats and arrays.
Num = TypeVar("Num", float, FloatArray)
FloatOrArray = float | FloatArray


def power(base: Num, exponent: float | Num) -> Num:
    """``base ** exponent`` with the input's type (float stays float, arrays stay arrays)."""
    return cast(Num, np.power(base, exponent) if isinstance(base, np.ndarray) else float(base) ** exponent)


def maximum(value: FloatOrArray, floor: float) -> FloatOrArray:
    """Element-wise ``max(value, floor)``: a float for a float, an array for an array."""
    if isinstance(value, np.ndarray):
        return np.maximum(value, floor)
    return max(float(value), floor)
