"""Decode-attention KV-read bandwidth: its own efficiency per chip, hand-worked values, sourced data."""

from __future__ import annotations

import dataclasses

import pytest

from stackplan.catalog import get_accelerator
from stackplan.catalog.serving import (
    get_inference_efficiency,
    get_serving_framework,
    list_inference_efficiencies,
)
from stackplan.perf.inference_model import iteration_time_s
from stackplan.perf.inference_setup import DeviceRates, Parallelism, device_rates
from tests.unit.inference_fixtures import TOY_RATES, toy_cost

_COST = toy_cost()
_RATES = TOY_RATES


def _trtllm_rates(chip: str, precision: str) -> DeviceRates:
    """TensorRT-LLM's device rates on ``chip`` at ``precision`` (one device, no parallelism)."""
    return device_rates(
        get_accelerator(chip),
        get_inference_efficiency(chip, precision),
        get_inference_efficiency(chip, "bf16"),
        get_serving_framework("trtllm"),
        precision=precision,
        par=Parallelism(),
    )


def test_kv_read_uses_its_own_bandwidth_weights_keep_the_streaming_one() -> None:
    # 8 sequences x 1,000 context tokens x 100 kB = 0.8 GB of KV read at 0.5 TB/s = 1.6 ms;
    # weights 1 GB still stream at 1 TB/s = 1.0 ms -> 2.6 ms (1.8 ms with one bandwidth for both);
    # the 16 us of GEMM compute add (1 + 0.016^3)^(1/3) - 1 = 1.4e-6 ms (smooth roofline)
    rates = dataclasses.replace(_RATES, kv_read_bytes_per_s=0.5e12)
    t = iteration_time_s(_COST, rates, decode_sequences=8, decode_context=1000)
    assert float(t) == pytest.approx(2.6e-3, rel=1e-5)
    same = iteration_time_s(_COST, _RATES, decode_sequences=8, decode_context=1000)
    assert float(same) == pytest.approx(1.8e-3, rel=1e-5)


def test_b200_reads_the_kv_cache_at_the_measured_decode_attention_fraction() -> None:
    # B200: 8 TB/s x 0.76 (trtllm-gen decode kernel, 6.11 TB/s measured) = 6.08 TB/s for the KV
    # cache; weights stream at 8 TB/s x 0.92 = 7.36 TB/s
    rates = _trtllm_rates("b200", "fp4")
    assert rates.kv_read_bytes_per_s == pytest.approx(6.08e12)
    assert rates.memory_bytes_per_s == pytest.approx(7.36e12)


def test_chips_without_a_kernel_measurement_use_the_streaming_fraction() -> None:
    # H200 has no decode-attention measurement in the table: 4.8 TB/s x 0.89 = 4.272 TB/s for both
    assert get_inference_efficiency("h200", "fp8").decode_attention_bandwidth_efficiency is None
    rates = _trtllm_rates("h200", "fp8")
    assert rates.kv_read_bytes_per_s == pytest.approx(4.272e12)
    assert rates.memory_bytes_per_s == pytest.approx(4.272e12)


def test_every_decode_attention_value_is_a_fraction_with_its_kernel_source() -> None:
    rows = [e for e in list_inference_efficiencies() if e.decode_attention_bandwidth_efficiency is not None]
    assert {e.accelerator for e in rows} == {"b200", "b300", "gb200", "gb300"}
    for e in rows:
        value = e.decode_attention_bandwidth_efficiency
        assert value is not None
        assert 0.0 < value <= e.memory_bandwidth_efficiency
        assert "decode attention:" in e.source
        assert "flashinfer-ai/flashinfer PR #1415" in e.source
        # the published figure the value comes from: 1.074 GB in 0.1758 ms over 8 TB/s
        assert value == pytest.approx(1.074e9 / 0.1758e-3 / 8e12, abs=0.005)
