"""The shipped accuracy of inference predictions: statistics by hand, CSV round trip, staleness."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackplan.validation import ValidationCase
from stackplan.validation.accuracy import (
    ACCURACY_KINDS,
    MIN_FRAMEWORK_CASES,
    compute_inference_accuracy,
    inference_accuracy,
    read_inference_accuracy,
    write_inference_accuracy,
)


def _case(kind: str, published: float, predicted: float, framework: str = "vllm") -> ValidationCase:
    return ValidationCase(
        id=f"{kind}-{published}-{predicted}",
        category="inference",
        kind=kind,
        subject="s",
        quantity="q",
        unit="ms",
        published=published,
        predicted=predicted,
        source="hand-made",
        framework=framework,
    )


# errors -0.5, +0.1, +0.2, -0.05, +0.3: |e| sorted 0.05 0.1 0.2 0.3 0.5
HAND = [(100.0, 50.0), (100.0, 110.0), (100.0, 120.0), (100.0, 95.0), (100.0, 130.0)]


def test_statistics_by_hand() -> None:
    cases = [_case("serving TTFT (held-out)", pub, pred) for pub, pred in HAND]
    cases.append(_case("serving TPOT (held-out)", 10.0, 11.0))  # another quantity, not counted
    rows = {(r.quantity, r.split, r.framework): r for r in compute_inference_accuracy(cases)}
    ttft = rows[("ttft_ms", "held-out", "all")]
    assert ttft.cases == 5
    assert ttft.median_abs_error == pytest.approx(0.2)
    assert ttft.median_signed_error == pytest.approx(0.1)
    # 90th percentile, linear between the 4th (0.3) and 5th (0.5) of five: 0.3 + 0.6 x 0.2
    assert ttft.p90_abs_error == pytest.approx(0.42)
    assert ttft.within_25_percent == pytest.approx(0.6)
    assert rows[("tpot_ms", "held-out", "all")].cases == 1
    assert rows[("ttft_ms", "in-sample", "all")].cases == 0
    # five vLLM cases are too few for a framework row of their own
    assert ("ttft_ms", "held-out", "vllm") not in rows


def test_framework_rows_need_enough_cases() -> None:
    cases = [_case("serving TTFT (held-out)", 100.0, 110.0, "sglang")] * MIN_FRAMEWORK_CASES
    cases += [_case("serving TTFT (held-out)", 100.0, 150.0, "trtllm")] * (MIN_FRAMEWORK_CASES - 1)
    rows = {(r.quantity, r.split, r.framework): r for r in compute_inference_accuracy(cases)}
    assert rows[("ttft_ms", "held-out", "sglang")].median_abs_error == pytest.approx(0.10)
    assert ("ttft_ms", "held-out", "trtllm") not in rows
    # all frameworks together: 20 cases at +10 %, 19 at +50 % -> the median is the 20th, +10 %
    assert rows[("ttft_ms", "held-out", "all")].median_abs_error == pytest.approx(0.10)


def test_csv_round_trip(tmp_path: Path) -> None:
    cases = [_case("max throughput (held-out)", pub, pred) for pub, pred in HAND]
    rows = compute_inference_accuracy(cases)
    path = tmp_path / "acc.csv"
    write_inference_accuracy(path, rows)
    back = read_inference_accuracy(path.read_text(encoding="utf-8"))
    assert [(r.quantity, r.split, r.cases) for r in back] == [(r.quantity, r.split, r.cases) for r in rows]
    got = next(
        r
        for r in back
        if r.quantity == "output_tokens_per_s" and r.split == "held-out" and r.framework == "all"
    )
    assert got.median_abs_error == pytest.approx(0.2, abs=1e-4)


def test_shipped_file_covers_every_reported_quantity() -> None:
    held = inference_accuracy("held-out")
    assert set(held) == set(ACCURACY_KINDS)
    for a in held.values():
        assert a.cases > 0
        assert 0.0 < a.median_abs_error <= a.p90_abs_error
        assert 0.0 <= a.within_25_percent <= 1.0


def test_framework_row_preferred_with_fallback_to_all() -> None:
    everyone = inference_accuracy("held-out")
    vllm = inference_accuracy("held-out", "vllm")
    assert everyone["ttft_ms"].framework == "all"
    assert vllm["ttft_ms"].framework == "vllm"
    assert vllm["ttft_ms"].cases < everyone["ttft_ms"].cases
    # SGLang has too few maximum-throughput rows of its own (one MLPerf result): the all-framework row
    # stands in; vLLM's reached MIN_FRAMEWORK_CASES (21) with the power-limited MI355X pair
    assert inference_accuracy("held-out", "sglang")["output_tokens_per_s"].framework == "all"
    assert vllm["output_tokens_per_s"].framework == "vllm"
    assert inference_accuracy("held-out", "no-such-framework") == everyone
