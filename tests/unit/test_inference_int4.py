"""Weight-only INT4 (W4A16) serving: bytes, rates and the published INT4-expert checkpoint.

Hand-worked: an INT4 weight with one bf16 scale per group of 32 takes 0.5 + 2/32 = 0.5625 B. Kimi
K2.5's checkpoint quantises its routed experts only (60 MoE layers x 384 experts x 3 x 7168 x 2048
weights), the rest stays bf16.
"""

from __future__ import annotations

import pytest

from stackplan.catalog import get_accelerator
from stackplan.catalog.serving import get_inference_efficiency, get_serving_framework
from stackplan.errors import InvalidInputError
from stackplan.models.loader import resolve_model
from stackplan.perf.inference import predict_inference
from stackplan.perf.inference_setup import Parallelism, device_rates, weight_bytes_per_param

GIB = 2**30


def test_an_int4_weight_takes_half_a_byte_and_its_group_scale() -> None:
    assert weight_bytes_per_param("int4") == pytest.approx(0.5625)


def test_int4_matmuls_run_in_bf16_on_every_chip() -> None:
    for chip in ("h100-sxm", "h200", "b200", "mi300x"):
        acc = get_accelerator(chip)
        assert acc.peak_tflops("int4") == acc.peak_tflops_bf16
        assert not acc.supports("int4")
        assert get_inference_efficiency(chip, "int4") == get_inference_efficiency(chip, "bf16")


def test_kimi_int4_checkpoint_keeps_non_expert_weights_in_bf16() -> None:
    arch = resolve_model("kimi-k2.5")
    routed = 60 * 384 * 3 * 7168 * 2048
    expected = (routed * 0.5625 + (arch.total_params - routed) * 2.0) / 8
    p = predict_inference(
        "kimi-k2.5",
        "h200",
        8,
        input_tokens=1024,
        output_tokens=1024,
        precision="int4",
        tp=8,
        batch_size=16,
        framework="vllm",
    )
    assert p.weights_gib_per_device == pytest.approx(expected / GIB, rel=1e-6)
    assert p.kv_precision == "bf16"  # a W4A16 deployment keeps the model's KV dtype
    assert any("INT4 weight-only" in n for n in p.notes)


def test_a_dense_model_at_int4_quantises_every_weight() -> None:
    arch = resolve_model("llama-3.1-70b")
    p = predict_inference(
        "llama-3.1-70b",
        "h100-sxm",
        2,
        input_tokens=1024,
        output_tokens=256,
        precision="int4",
        tp=2,
        batch_size=8,
    )
    assert p.weights_gib_per_device == pytest.approx(arch.total_params * 0.5625 / 2 / GIB, rel=1e-6)
    assert any("no int4 matrix units" in n and "bf16" in n for n in p.notes)


def test_kimi_int4_experts_stream_at_the_measured_marlin_rate() -> None:
    # moe_kernels.csv: vLLM 0.24's Marlin WNA16 MoE on H200 streams the touched experts at 0.59 of 4.8 TB/s
    acc = get_accelerator("h200")
    rates = device_rates(
        acc,
        get_inference_efficiency("h200", "int4"),
        get_inference_efficiency("h200", "bf16"),
        get_serving_framework("vllm"),
        precision="int4",
        par=Parallelism(tp=8, ep=1, pp=1),
    )
    assert rates.expert_memory_bytes_per_s == pytest.approx(0.59 * acc.hbm_bandwidth_tb_s * 1e12)


def test_the_search_never_picks_int4_and_int4_halves_decode_weight_reads() -> None:
    searched = predict_inference("llama-3.1-70b", "h100-sxm", 8, input_tokens=1024, output_tokens=256)
    assert searched.precision in ("bf16", "fp8", "fp4")
    bf16, int4 = (
        predict_inference(
            "llama-3.1-70b",
            "h100-sxm",
            8,
            input_tokens=1024,
            output_tokens=256,
            precision=prec,
            tp=8,
            batch_size=1,
            framework="vllm",
        )
        for prec in ("bf16", "int4")
    )
    assert int4.tpot_ms < bf16.tpot_ms  # a memory-bound step reads 0.56 instead of 2 B per weight


def test_int4_is_not_a_kv_cache_precision() -> None:
    with pytest.raises(InvalidInputError) as info:
        predict_inference(
            "llama-3.1-8b", "h100-sxm", 1, input_tokens=128, output_tokens=128, kv_precision="int4"
        )
    assert "--kv-precision" in str(info.value)
