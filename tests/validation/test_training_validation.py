"""Training predictions against published measurements (sources in validation/data)."""

from __future__ import annotations

import statistics

import pytest

from stackplan.validation import ValidationCase
from stackplan.validation.training import training_cases, training_rows


@pytest.fixture(scope="module")
def cases() -> list[ValidationCase]:
    return list(training_cases())


def _errors(cases: list[ValidationCase], kind: str) -> list[float]:
    return [abs(c.error) for c in cases if c.kind == kind]


def test_every_row_has_a_source_and_a_kind() -> None:
    rows = training_rows()
    assert len(rows) >= 30
    for r in rows:
        assert r.source.strip()
        assert r.kind in ("controlled", "production")


def test_controlled_benchmarks_median_within_10_percent_none_beyond_25(cases: list[ValidationCase]) -> None:
    errs = _errors(cases, "controlled")
    assert len(errs) >= 25
    assert statistics.median(errs) <= 0.10
    worst = max(cases, key=lambda c: abs(c.error) if c.kind == "controlled" else 0.0)
    assert abs(worst.error) <= 0.25, f"{worst.id}: {worst.error:+.1%}"


def test_production_runs_median_within_20_percent(cases: list[ValidationCase]) -> None:
    errs = _errors(cases, "production")
    assert len(errs) >= 7
    assert statistics.median(errs) <= 0.20
