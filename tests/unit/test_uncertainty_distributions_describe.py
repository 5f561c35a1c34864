"""Readable descriptions of distributions in reports."""

from __future__ import annotations

import numpy as np

from stackplan.uncertainty.distributions import LogNormal, Normal, Triangular, describe


def test_describe_rounds_to_three_significant_digits_and_drops_numpy_reprs() -> None:
    assert describe(LogNormal(median=float(np.float64(4.481845609683732)), sigma=0.2)) == (
        "lognormal(median=4.48, sigma=0.2)"
    )
    assert describe(Triangular(low=-0.0703019107, mode=0.0296980892, high=0.1296980892)) == (
        "triangular(low=-0.0703, mode=0.0297, high=0.13)"
    )


def test_describe_leaves_out_unset_options() -> None:
    assert describe(Normal(mean=0.0, sd=0.08)) == "normal(mean=0, sd=0.08)"
