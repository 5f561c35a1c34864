"""Training predictions against published measurements (sources in validation/data)."""

from __future__ import annotations

import statistics

import pytest

from stackplan.validation import ValidationCase
from stackplan.validation.training import training_cases, training_rows


@pytest.fixture(scope="module")
def cases() -> list[ValidationCase]:
    return list(training_cases())


def _errors(cases: list[ValidationCase], kind: str, split: str | None = None) -> list[float]:
    return [abs(c.error) for c in cases if c.kind == kind and (split is None or c.split == split)]


def test_every_row_has_a_source_and_a_kind() -> None:
    rows = training_rows()
    assert len(rows) >= 30
    for r in rows:
        assert r.source.strip()
        assert r.kind in ("controlled", "production")


def test_every_row_is_in_sample_or_held_out_with_a_group() -> None:
    for r in training_rows():
        assert r.split in ("in-sample", "held-out"), r.id
        assert r.group.strip(), r.id
    assert sum(r.split == "held-out" for r in training_rows()) >= 20


def test_in_sample_controlled_median_within_10_percent_none_beyond_25(cases: list[ValidationCase]) -> None:
    errs = _errors(cases, "controlled", "in-sample")
    assert len(errs) >= 25
    assert statistics.median(errs) <= 0.10
    worst = max(
        (c for c in cases if c.kind == "controlled" and c.split == "in-sample"), key=lambda c: abs(c.error)
    )
    assert abs(worst.error) <= 0.25, f"{worst.id}: {worst.error:+.1%}"


@pytest.mark.xfail(
    strict=True,
    reason=(
        "max target not met on the whole set (median 7.9% holds): held-out Megatron-Bridge 25.11 "
        "Qwen3-30B-A3B on H100/B200 (+94%/+68%; the same configurations ran 2x faster token-drop in "
        "25.09, within -2%/+15% of the model: the dropless all-to-all slowdown is not modelled); "
        "every other controlled case is within 24% (docs/training-model.md, fourth round)"
    ),
)
def test_controlled_benchmarks_median_within_10_percent_none_beyond_25(cases: list[ValidationCase]) -> None:
    errs = _errors(cases, "controlled")
    assert statistics.median(errs) <= 0.10
    assert max(errs) <= 0.25


def test_held_out_dense_llama_405b_meta_runs_within_10_percent(cases: list[ValidationCase]) -> None:
    # Llama 3.1 405B MFU on 8K-16K H100 at the published TP/CP/PP/DP (arXiv:2407.21783 Table 4)
    errs = [abs(c.error) for c in cases if c.id.startswith("llama31-405b-")]
    assert len(errs) == 3
    assert max(errs) <= 0.10


def test_production_runs_median_within_20_percent(cases: list[ValidationCase]) -> None:
    errs = _errors(cases, "production")
    assert len(errs) >= 7
    assert statistics.median(errs) <= 0.20
