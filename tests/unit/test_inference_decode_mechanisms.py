"""Decode mechanisms behind the held-out TPOT figures (docs/inference-model.md, "Held-out TPOT").

Hand-worked values: kernels per layer by architecture and precision, NVFP4 block-scale bytes,
the fixed per-layer latency they scale, and the B200 memory that lets DeepSeek fp8 fit on four.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from stackplan.catalog import get_accelerator, get_model
from stackplan.catalog.serving import get_serving_framework
from stackplan.models import ModelArchitecture
from stackplan.perf.inference import predict_inference
from stackplan.perf.inference_model import iteration_time_s
from stackplan.perf.inference_setup import (
    Parallelism,
    layer_kernel_ratio,
    memory_per_device,
    serving_cost,
    weight_bytes_per_param,
)
from tests.unit.inference_fixtures import TOY_RATES, toy_cost


def _deepseek_v3() -> ModelArchitecture:
    return get_model("deepseek-v3").architecture


def test_layer_kernel_ratio_by_hand() -> None:
    # DeepSeek-V3: MLA +5 kernels on every layer; 58 of 61 layers MoE with a shared expert, +4 +3:
    # 1 + (5 + 58/61 x 7) / 12 = 1 + (5 + 6.65574) / 12 = 1.97131
    assert layer_kernel_ratio(_deepseek_v3()) == pytest.approx(1.97131, abs=1e-5)
    # fp4 quantises the activations of the output and down GEMMs in two more kernels: + 2/12
    assert layer_kernel_ratio(_deepseek_v3(), "fp4") == pytest.approx(2.13798, abs=1e-5)
    # dense GQA: the reference layer; fp8 adds nothing
    llama = get_model("llama-3.1-70b").architecture
    assert layer_kernel_ratio(llama) == 1.0
    assert layer_kernel_ratio(llama, "fp8") == 1.0
    assert layer_kernel_ratio(llama, "fp4") == pytest.approx(14.0 / 12.0)
    # Qwen3-235B-A22B: GQA, every layer MoE without shared experts: 1 + 4/12
    assert layer_kernel_ratio(get_model("qwen3-235b-a22b").architecture) == pytest.approx(4.0 / 3.0)


def test_serving_cost_carries_the_kernel_ratio() -> None:
    cost = serving_cost(
        _deepseek_v3(),
        Parallelism(tp=8),
        weight_bytes_per_param=1.0,
        kv_bytes_per_element=1.0,
        precision="fp8",
    )
    assert cost.layer_kernel_ratio == pytest.approx(1.97131, abs=1e-5)


def test_nvfp4_weights_carry_one_fp8_scale_per_16_elements() -> None:
    # 4 bits + 8 bits / 16 = 0.5 + 0.0625 B per weight; fp8 and bf16 scales are neglected
    assert weight_bytes_per_param("fp4") == 0.5625
    assert weight_bytes_per_param("fp8") == 1.0
    assert weight_bytes_per_param("bf16") == 2.0


def test_fixed_latency_scales_with_kernels_per_layer() -> None:
    # 10 layers x 40 us = 0.4 ms per iteration for a dense layer; twice the kernels, 0.8 ms.
    # Nothing else costs time: zero weights, no KV, no collectives, no CPU overhead.
    cost = toy_cost(layers=10, dense_weight_bytes=0.0, dense_flops_per_token=0.0, kv_bytes_per_token=0.0)
    cost = replace(
        cost, attention_flops_per_context_token_prefill=0.0, attention_flops_per_context_token_decode=0.0
    )
    rates = replace(TOY_RATES, link_latency_s=0.0, layer_overhead_s=40e-6)
    t1 = float(iteration_time_s(cost, rates, decode_sequences=4, decode_context=100))
    t2 = float(
        iteration_time_s(replace(cost, layer_kernel_ratio=2.0), rates, decode_sequences=4, decode_context=100)
    )
    assert t1 == pytest.approx(0.4e-3, rel=1e-12)
    assert t2 == pytest.approx(0.8e-3, rel=1e-12)


def test_b200_memory_is_what_nvidia_smi_reports() -> None:
    # 183,359 MiB = 179.06 GiB (the datasheet's "180 GB" per GPU are binary)
    assert get_accelerator("b200").hbm_gib == pytest.approx(183_359 / 1024, rel=2e-3)


def test_deepseek_fp8_fits_on_four_b200() -> None:
    # 671.0e9 fp8 weights / 4 = 156.2 GiB; SGLang keeps 12 % of 179.1 GiB = 21.5 GiB back:
    # 156.2 + 0.74 activations + 21.5 = 178.4 GiB <= 179.1 GiB (measured by AIConfigurator on 4x B200)
    arch = get_model("deepseek-r1").architecture
    mem = memory_per_device(
        arch,
        Parallelism(tp=4, ep=4),
        get_accelerator("b200"),
        get_serving_framework("sglang"),
        weight_bytes_per_param=1.0,
        kv_bytes_per_element=2.0,
        sequences=1,
        context_tokens=2048,
    )
    assert mem.weights_gib == pytest.approx(156.24, abs=0.05)
    assert mem.fits
    p = predict_inference(
        "deepseek-r1", "b200", 4, input_tokens=1024, output_tokens=1024, precision="fp8", tp=4, ep=4,
        batch_size=4, framework="trtllm",
    )  # fmt: skip
    assert p.memory_gib_per_device <= get_accelerator("b200").hbm_gib


def test_each_attention_dp_rank_holds_a_whole_chunk_of_activations() -> None:
    # Qwen3-235B-A22B, attention DP8 + EP8, TensorRT-LLM's 8,192-token budget per rank: per token
    # 4 x 4,096 hidden + 3 x 1,536 x 8 routed FFN + (64 + 2 x 4) x 128 q/k/v = 62,464 bf16 values,
    # x 8,192 tokens = 1.023e9 B, plus 256 x 151,936 vocab x 4 B of logits = 0.156e9 B.
    arch = get_model("qwen3-235b-a22b").architecture
    mem = memory_per_device(
        arch,
        Parallelism(tp=1, ep=8),
        get_accelerator("h200"),
        get_serving_framework("trtllm"),
        weight_bytes_per_param=1.0,
        kv_bytes_per_element=1.0,
        sequences=8,
        context_tokens=1024,
    )
    by_hand = 8192 * 62_464 * 2 + 256 * 151_936 * 4
    assert mem.activations_gib * 2**30 == pytest.approx(by_hand, rel=1e-3)


def test_deepseek_decode_on_h200_matches_a_measured_row() -> None:
    # Held-out AIConfigurator row: DeepSeek-R1 fp8 on 8x H200, TensorRT-LLM TP8 EP8, 1024/1024 at
    # concurrency 4: TPOT 8.58 ms measured. Fixed latency alone is 61 layers x 1.971 x 45 us = 5.41 ms.
    p = predict_inference(
        "deepseek-r1", "h200", 8, input_tokens=1024, output_tokens=1024, precision="fp8", tp=8, ep=8,
        batch_size=4, framework="trtllm",
    )  # fmt: skip
    assert p.tpot_ms > 61 * 1.97131 * 45e-3
    # +15.4 % (9.90 ms) since the all-reduce's size-dependent time is TensorRT-LLM's measured one
    # (0.78 ms over 122 all-reduces of 57 KB, 0.64 ms with the ring model: +13.9 %)
    assert p.tpot_ms == pytest.approx(8.58, rel=0.16)


def test_prompt_tokens_skip_the_output_head() -> None:
    # Llama-3.1-8B: the head is 128,256 x 4,096 weights, 2 x that FLOPs per sampled token, split TP-way.
    arch = get_model("llama-3.1-8b").architecture
    for tp in (1, 4):
        cost = serving_cost(arch, Parallelism(tp=tp), weight_bytes_per_param=1.0, kv_bytes_per_element=1.0)
        assert cost.head_flops_per_token == 2 * 128_256 * 4_096 / tp
    # Toy model, compute-bound (no weights to stream): 10,000 decode tokens cost 10,000 x 2 GFLOP at
    # 1 PFLOP/s = 20 ms; as prompt tokens without a 0.5 GFLOP head, 10,000 x 1.5 GFLOP = 15 ms.
    cost = toy_cost(dense_weight_bytes=0.0, head_flops_per_token=0.5e9)
    decode = float(iteration_time_s(cost, TOY_RATES, decode_sequences=10_000, decode_context=0.0))
    prefill = float(
        iteration_time_s(
            cost,
            TOY_RATES,
            decode_sequences=0.0,
            decode_context=0.0,
            prefill_tokens=10_000,
            prefill_context=0.0,
        )
    )
    assert decode == pytest.approx(0.020, rel=1e-6)
    assert prefill == pytest.approx(0.015, rel=1e-6)


def test_async_scheduling_overlaps_the_cpu_step() -> None:
    # Toy model: 10 decodes stream 1 GB at 1 TB/s = 1 ms of GPU time. A 0.4 ms CPU step adds to it
    # (1.4 ms) unless it overlaps (1.0 ms); a 2.5 ms CPU step then sets the pace (2.5 ms).
    def step(overhead_s: float, overlapped: bool) -> float:
        rates = replace(TOY_RATES, iteration_overhead_s=overhead_s, cpu_overlapped=overlapped)
        return float(iteration_time_s(toy_cost(), rates, decode_sequences=10, decode_context=0.0))

    assert step(0.4e-3, overlapped=False) == pytest.approx(1.4e-3, rel=1e-3)
    assert step(0.4e-3, overlapped=True) == pytest.approx(1.0e-3, rel=1e-3)
    assert step(2.5e-3, overlapped=True) == pytest.approx(2.5e-3, rel=1e-6)


def test_vllm_schedules_asynchronously_by_default_and_can_be_told_not_to() -> None:
    vllm = get_serving_framework("vllm")
    assert vllm.async_scheduling
    assert not get_serving_framework("trtllm").async_scheduling
    assert not vllm.with_deployment(async_scheduling=False).async_scheduling
    assert vllm.with_deployment(async_scheduling=False).deployment.as_dict()["async_scheduling"] is False


def test_validation_runs_vllm_as_the_measured_version_did() -> None:
    from stackplan.validation.inference import _framework

    assert not _framework("vllm", "h200", "0.12.0").async_scheduling  # before vLLM 0.14
    assert _framework("vllm", "h200", "0.15.1").async_scheduling
    assert _framework("vllm", "h200", "0.18.0").async_scheduling
    assert not _framework("vllm", "mi300x").async_scheduling  # version not recorded
    assert not _framework("trtllm", "h200", "1.2.0").async_scheduling
