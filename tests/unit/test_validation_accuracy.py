"""The shipped accuracy of inference predictions: statistics by hand, CSV round trip, staleness."""

from __future__ import annotations

from pathlib import Path

import pytest

from stackplan.validation import ValidationCase
from stackplan.validation.accuracy import (
    ACCURACY_KINDS,
    MIN_FRAMEWORK_CASES,
    TABLE_BEGIN,
    TABLE_END,
    compute_inference_accuracy,
    inference_accuracy,
    read_inference_accuracy,
    render_accuracy_markdown,
    replace_marked_block,
    shipped_inference_accuracy,
    write_inference_accuracy,
)

DOCS = Path(__file__).resolve().parents[2] / "docs" / "inference-model.md"


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


def test_markdown_table_by_hand() -> None:
    cases = [_case("serving TTFT (held-out)", pub, pred) for pub, pred in HAND]
    cases += [_case("max throughput (held-out)", 100.0, 105.0)] * 2
    cases += [_case("max throughput", 100.0, 105.0)] * 2 + [_case("max throughput", 100.0, 130.0)]
    rows = [r for r in compute_inference_accuracy(cases) if r.cases]
    table = render_accuracy_markdown(rows).splitlines()
    assert len(table) == 2 + 3
    # in-sample throughput: median 5 % meets 10 %, but one case of three is beyond 25 %: not met
    # (90th percentile between 5 % and 30 % at 0.8 of the way: 25 %)
    assert table[2] == (
        "| throughput | in-sample | all | 3 | 5.0 % | 25.0 % | +5.0 % | 66.7 % "
        "| median 10 %, none beyond 25 %: not met |"
    )
    # held-out throughput 5 %, none beyond 25 %: met
    assert table[3] == (
        "| throughput | held-out | all | 2 | 5.0 % | 5.0 % | +5.0 % | 100.0 % | median 10 %, none beyond 25 %: met |"
    )
    # TTFT median 20 % > 15 %, 90th percentile 42 %, 3 of 5 within 25 %
    assert (
        table[4]
        == "| TTFT | held-out | all | 5 | 20.0 % | 42.0 % | +10.0 % | 60.0 % | median 15 %: not met |"
    )


def test_marked_block_is_replaced_and_missing_markers_are_an_error() -> None:
    text = f"before\n{TABLE_BEGIN}\nold table\n{TABLE_END}\nafter\n"
    assert replace_marked_block(text, "new\n") == f"before\n{TABLE_BEGIN}\nnew\n{TABLE_END}\nafter\n"
    with pytest.raises(ValueError, match="markers are missing"):
        replace_marked_block("no markers here", "new\n")


def test_documented_accuracy_table_matches_the_shipped_file() -> None:
    # the documentation's current-accuracy table is the shipped file rendered (stale: rerun the tool)
    text = DOCS.read_text(encoding="utf-8")
    expected = replace_marked_block(text, render_accuracy_markdown(shipped_inference_accuracy()))
    assert text == expected, (
        "docs/inference-model.md accuracy table is stale: run tools/build_inference_accuracy.py"
    )
