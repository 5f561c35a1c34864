"""Percentile latency under Poisson arrivals (MLPerf Server semantics) against hand-worked values."""

from __future__ import annotations

import math

import numpy as np
import pytest

from stackplan import predict_inference
from stackplan.errors import InvalidInputError
from stackplan.perf.inference_model import SteadyState, poisson_tail_latency, tail_concurrency

Z99 = 2.3263478740408408  # standard-normal 99th percentile


def _state(ttft_s: float, tpot_s: float, t_d_s: float, t_h_s: float, output_tokens: int) -> SteadyState:
    latency = ttft_s + (output_tokens - 1) * tpot_s
    a = lambda v: np.array([v])  # noqa: E731
    return SteadyState(
        ttft_s=a(ttft_s),
        burst_ttft_s=a(ttft_s),
        tpot_s=a(tpot_s),
        request_latency_s=a(latency),
        output_tokens_per_s=a(11 * output_tokens / latency),
        decode_iteration_s=a(t_d_s),
        prefill_iteration_s=a(t_h_s),
        prefill_share=a(0.0),
    )


def test_hand_worked_p99() -> None:
    # B = 11 requests in flight, O = 101, TTFT 0.1 s, TPOT 0.02 s (t_d = 0.01 s), t_h = 0.05 s.
    # Latency L = 0.1 + 100 x 0.02 = 2.1 s; lambda = 11 / 2.1 = 5.2381 /s.
    # Prefill work per prompt S = (0.02 - 0.01) x 100 / (11 - 1) = 0.1 s; rho = lambda S = 0.52381.
    # TPOT_99 = TPOT(B_hi) 0.021 + z sqrt(10) S / 100 = 0.021 + 2.32635 x 3.16228 x 0.001 = 0.0283565 s.
    # W = rho S / (2 (1 - rho)) = 0.055 s; W_99 = W / rho ln(rho / 0.01) = 0.105 x 3.95851 = 0.415644 s.
    # TTFT_99 = 0.1 + (0.415644 - 0.055) + 0.49 x 0.05 = 0.485144 s (no slot wait: K = 1000).
    mean = _state(0.1, 0.02, 0.01, 0.05, 101)
    high = _state(0.1, 0.021, 0.01, 0.05, 101)
    t = poisson_tail_latency([11.0], mean, high, output_tokens=101, percentile=99, max_concurrency=1000.0)
    assert t.tpot_s[0] == pytest.approx(0.021 + Z99 * math.sqrt(10) * 0.001, rel=1e-9)
    assert t.tpot_s[0] == pytest.approx(0.0283565, rel=1e-5)
    assert t.prefill_utilisation[0] == pytest.approx(11 / 2.1 * 0.1, rel=1e-9)
    assert t.ttft_s[0] == pytest.approx(0.485144, rel=1e-5)


def test_slot_wait_when_memory_holds_fewer_than_the_tail() -> None:
    # K = 5 slots: N_99 = 11 + z sqrt(11) = 18.7155, 13.7155 wait, slots free at K / L:
    # 13.7155 x 2.1 / 5 = 5.76051 s on top of the TTFT above.
    mean = _state(0.1, 0.02, 0.01, 0.05, 101)
    t = poisson_tail_latency([11.0], mean, mean, output_tokens=101, percentile=99, max_concurrency=5.0)
    t_free = poisson_tail_latency([11.0], mean, mean, output_tokens=101, percentile=99, max_concurrency=1e9)
    assert t.ttft_s[0] - t_free.ttft_s[0] == pytest.approx((11 + Z99 * math.sqrt(11) - 5) * 2.1 / 5, rel=1e-9)


def test_median_adds_nothing_to_a_lone_request() -> None:
    # B = 1: no other prompts, no queue (rho = 0); p50 TTFT = mean (the residual term is 0).
    mean = _state(0.1, 0.01, 0.01, 0.05, 101)
    t = poisson_tail_latency([1.0], mean, mean, output_tokens=101, percentile=50, max_concurrency=10.0)
    assert t.ttft_s[0] == pytest.approx(0.1)
    assert t.tpot_s[0] == pytest.approx(0.01)


def test_tail_concurrency() -> None:
    assert tail_concurrency([150.0], 99)[0] == pytest.approx(150 + Z99 * 10.0)


def test_percentiles_are_at_least_the_means_and_grow_with_the_percentile() -> None:
    kw: dict[str, object] = {"input_tokens": 1000, "output_tokens": 500, "precision": "fp8", "batch_size": 64}
    p90 = predict_inference("llama-3.1-8b", "h100-sxm", 1, latency_percentile=90, **kw)  # type: ignore[arg-type]
    p99 = predict_inference("llama-3.1-8b", "h100-sxm", 1, latency_percentile=99, **kw)  # type: ignore[arg-type]
    assert p99.ttft_percentile_ms is not None
    assert p90.ttft_percentile_ms is not None
    assert p99.tpot_percentile_ms is not None
    assert p90.tpot_percentile_ms is not None
    assert p99.ttft_percentile_ms >= p90.ttft_percentile_ms >= p90.ttft_ms
    assert p99.tpot_percentile_ms >= p90.tpot_percentile_ms >= p90.tpot_ms
    assert p99.as_dict()["latency_percentile"] == 99


def test_percentile_targets_are_stricter_than_mean_targets() -> None:
    kw: dict[str, object] = {
        "input_tokens": 1000,
        "output_tokens": 500,
        "precision": "fp8",
        "max_tpot_ms": 20.0,
    }
    mean = predict_inference("llama-3.1-8b", "h100-sxm", 1, **kw)  # type: ignore[arg-type]
    p99 = predict_inference("llama-3.1-8b", "h100-sxm", 1, latency_percentile=99, **kw)  # type: ignore[arg-type]
    assert p99.tpot_percentile_ms is not None
    assert p99.tpot_percentile_ms <= 20.0
    assert p99.output_tokens_per_s <= mean.output_tokens_per_s


def test_bad_percentile_names_the_option() -> None:
    with pytest.raises(InvalidInputError, match="--latency-percentile"):
        predict_inference(
            "llama-3.1-8b", "h100-sxm", 1, input_tokens=10, output_tokens=10, latency_percentile=100
        )
