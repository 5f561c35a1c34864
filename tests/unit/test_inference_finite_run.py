"""Offline runs of a finite number of requests: waves plus the drain of the last, partial wave."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackplan.errors import InvalidInputError
from stackplan.perf.inference import InferencePrediction, predict_inference
from stackplan.perf.inference_model import finite_run_throughput


def test_two_full_waves_and_a_drain_of_two() -> None:
    # N = 10 requests at B = 4: two waves of L(4) = 20 s, then the 2 left over alone, L(2) = 12 s.
    # makespan 2 x 20 + 12 = 52 s; 10 x 100 output tokens / 52 s = 19.2308 tokens/s.
    x = finite_run_throughput([4.0], 10, 100, latency_s=[20.0], rest_latency_s=[12.0])
    assert x[0] == pytest.approx(1000.0 / 52.0)


def test_whole_waves_have_no_drain() -> None:
    # N = 10 at B = 5: two waves of 20 s, nothing left over (L(rest) ignored): 1000 / 40 = 25.
    x = finite_run_throughput([5.0], 10, 100, latency_s=[20.0], rest_latency_s=[999.0])
    assert x[0] == pytest.approx(25.0)


def test_concurrency_above_the_requests_is_one_wave() -> None:
    # B = 20 > N = 10: the 10 requests run once, 1000 tokens over L = 30 s.
    x = finite_run_throughput([20.0], 10, 100, latency_s=[30.0], rest_latency_s=[999.0])
    assert x[0] == pytest.approx(1000.0 / 30.0)


@settings(max_examples=60, deadline=None)
@given(
    b=st.integers(1, 512),
    waves=st.integers(1, 50),
    rest=st.integers(0, 511),
    latency=st.floats(1.0, 1e3),
    rest_share=st.floats(0.0, 1.0),
)
def test_drain_never_beats_the_steady_state_when_the_tail_is_not_faster_per_request(
    b: int, waves: int, rest: int, latency: float, rest_share: float
) -> None:
    # Whenever the left-over requests take at least their share r/B of a full wave's latency
    # (a request's latency does not fall faster than the concurrency), the finite run is at most
    # the steady state B O / L(B), and equals it without a remainder.
    r = rest % b
    n = waves * b + r
    rest_latency = latency * (r / b + (1.0 - r / b) * rest_share)
    x = finite_run_throughput([float(b)], n, 100, latency_s=[latency], rest_latency_s=[rest_latency])[0]
    steady = b * 100 / latency
    assert x <= steady * (1 + 1e-9)
    if r == 0:
        assert x == pytest.approx(steady)


def test_predict_with_requests_is_the_finite_run_and_never_exceeds_the_steady_state() -> None:
    def run(requests: int | None) -> InferencePrediction:
        return predict_inference(
            "qwen3-235b-a22b", "h100-sxm", 8, input_tokens=128, output_tokens=2048, precision="fp8",
            tp=1, ep=8, framework="trtllm", requests=requests,
        )  # fmt: skip

    steady = run(None)
    # fewer requests than the steady state's batch: one wave, the batch is capped at the requests
    few = run(500)
    assert few.batch_size <= 500
    assert few.output_tokens_per_s < steady.output_tokens_per_s
    # many requests: the drain is amortised and the run approaches the steady state
    many = run(10**6)
    assert many.output_tokens_per_s == pytest.approx(steady.output_tokens_per_s, rel=0.01)
    assert np.isfinite(few.ttft_ms)
    assert few.tpot_ms > 0


def test_requests_must_be_positive() -> None:
    with pytest.raises(InvalidInputError, match="requests"):
        predict_inference("llama-3.1-8b", "h100-sxm", 1, input_tokens=128, output_tokens=128, requests=0)
