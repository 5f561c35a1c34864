"""Routed experts stream at the measured bandwidth of the framework's MoE kernel."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest

from stackplan.catalog.accelerators import get_accelerator
from stackplan.catalog.serving import (
    ServingFramework,
    get_inference_efficiency,
    get_moe_kernel_efficiency,
    get_serving_framework,
)
from stackplan.errors import InvalidInputError
from stackplan.perf.inference import predict_inference
from stackplan.perf.inference_model import DeviceRates, expert_gemm_time_s, iteration_time_s, steady_state
from stackplan.perf.inference_setup import Parallelism, device_rates
from tests.unit.inference_fixtures import TOY_RATES, toy_cost


def _rates(
    framework: str | ServingFramework, accelerator: str, precision: str, *, moe: bool = True
) -> DeviceRates:
    return device_rates(
        get_accelerator(accelerator),
        get_inference_efficiency(accelerator, precision),
        get_inference_efficiency(accelerator, "bf16"),
        get_serving_framework(framework) if isinstance(framework, str) else framework,
        precision=precision,
        par=Parallelism(tp=1, ep=8, pp=1),
        moe=moe,
    )


def test_expert_gemm_time_by_hand() -> None:
    rates = dataclasses.replace(TOY_RATES, expert_memory_bytes_per_s=4e12)
    # 1 GB of expert weights at 4 TB/s = 0.25 ms; no FLOPs: the smooth roofline is the memory term
    assert float(expert_gemm_time_s(1e9, 0.0, rates)) == pytest.approx(2.5e-4)
    # without a measured kernel the experts stream at the streaming bandwidth
    assert float(expert_gemm_time_s(1e9, 0.0, TOY_RATES)) == pytest.approx(1e9 / TOY_RATES.memory_bytes_per_s)


def test_device_rates_take_the_framework_kernel_of_the_chip() -> None:
    row = get_moe_kernel_efficiency("trtllm", "b200", "fp4")
    assert row is not None
    rates = _rates("trtllm", "b200", "fp4")
    assert rates.expert_memory_bytes_per_s == pytest.approx(8.0e12 * row.expert_bandwidth_efficiency)
    # SGLang runs the FlashInfer TensorRT-LLM-gen MoE on Blackwell, measured faster than TensorRT-LLM's CUTLASS one
    sglang = _rates("sglang", "b200", "fp4").expert_memory_bytes_per_s
    assert rates.expert_memory_bytes_per_s is not None
    assert sglang is not None
    assert sglang > rates.expert_memory_bytes_per_s
    # no measurement: MI300X streams experts like dense weights
    assert get_moe_kernel_efficiency("trtllm", "mi300x", "fp8") is None
    assert _rates("vllm", "mi300x", "fp8").expert_memory_bytes_per_s is None


def test_slower_expert_streaming_slows_only_moe_iterations() -> None:
    moe = dataclasses.replace(
        toy_cost(),
        experts=8,
        active_experts=2,
        moe_layers=2,
        expert_bytes_per_layer=4e8,
        expert_flops_per_token=1e6,
    )
    slow = dataclasses.replace(TOY_RATES, expert_memory_bytes_per_s=TOY_RATES.memory_bytes_per_s / 2)
    fast = float(iteration_time_s(moe, TOY_RATES, decode_sequences=64.0, decode_context=512.0))
    slowed = float(iteration_time_s(moe, slow, decode_sequences=64.0, decode_context=512.0))
    # 64 tokens touch all 8 experts: 2 layers x 4e8 B read at half the bandwidth takes 8e8 / BW longer
    # (the memory term dominates the expert roofline: 1e6 FLOP x 64 tokens is negligible)
    assert slowed - fast == pytest.approx(8e8 / TOY_RATES.memory_bytes_per_s, rel=1e-3)
    dense = dataclasses.replace(moe, experts=0, moe_layers=0)
    assert float(iteration_time_s(dense, slow, decode_sequences=64.0, decode_context=512.0)) == pytest.approx(
        float(iteration_time_s(dense, TOY_RATES, decode_sequences=64.0, decode_context=512.0))
    )


def test_measured_cutlass_nvfp4_moe_lengthens_b200_decode(monkeypatch: pytest.MonkeyPatch) -> None:
    def tpot() -> float:
        p = predict_inference(
            "qwen3-235b-a22b",
            "b200",
            8,
            input_tokens=128,
            output_tokens=1024,
            precision="fp4",
            tp=1,
            ep=8,
            batch_size=512,
            framework="trtllm",
        )
        return p.tpot_ms

    measured = tpot()
    monkeypatch.setattr("stackplan.perf.inference_setup.get_moe_kernel_efficiency", lambda *a: None)
    streaming = tpot()
    # TensorRT-LLM's CUTLASS NVFP4 MoE streams experts at 0.49 of HBM (moe_kernels.csv), not 0.92
    assert measured > 1.05 * streaming


def test_moe_backend_selects_a_measured_row_and_unknown_ones_are_refused() -> None:
    default = get_moe_kernel_efficiency("trtllm", "b200", "fp4")
    gen = get_moe_kernel_efficiency("trtllm", "b200", "fp4", "trtllm")
    assert default is not None
    assert gen is not None
    assert (default.backend, default.default) == ("CUTLASS", True)
    assert (gen.backend, gen.default) == ("TRTLLM", False)
    with pytest.raises(InvalidInputError) as info:
        get_moe_kernel_efficiency("trtllm", "h100-sxm", "fp8", "TRTLLM")
    assert info.value.problems[0].field == "--moe-backend"
    assert "CUTLASS" in str(info.value)
    fw = get_serving_framework("sglang").with_deployment(moe_backend="FLASHINFER_TRTLLM")
    assert fw.moe_backend == "flashinfer_trtllm"
    assert fw.deployment.as_dict()["moe_backend"] == "flashinfer_trtllm"
    with pytest.raises(InvalidInputError):
        get_serving_framework("vllm").with_deployment(moe_backend="CUTLASS")


def test_dense_models_ignore_the_moe_backend() -> None:
    # TRTLLM is not measured on Hopper: a dense model never looks it up, so nothing is refused
    fw = get_serving_framework("trtllm").with_deployment(moe_backend="TRTLLM")
    assert _rates(fw, "h100-sxm", "fp8", moe=False).expert_memory_bytes_per_s is None


@pytest.mark.parametrize(
    ("input_tokens", "output_tokens"),
    [(1_000, 101), (100_000, 11)],  # prompt chunks rare (1 per rank per lifetime) / on every iteration
)
def test_pooled_expert_prefill_work_is_conserved_under_attention_dp(
    input_tokens: int, output_tokens: int
) -> None:
    # Attention DP4 with nothing but routed-expert FLOPs (1 GFLOP per token per device): whatever the
    # alignment of the ranks' chunks, a lifetime runs the expert GEMMs of all B I prompt tokens once:
    # B I f_exp / F = 8 x I x 1e9 / 1e15 s, spread over the O - 1 decode steps of TPOT.
    cost = toy_cost(
        attn_dp=4,
        tp=1,
        experts=8,
        active_experts=2,
        moe_layers=1,
        expert_flops_per_token=1e9,
        dense_weight_bytes=0.0,
        dense_flops_per_token=0.0,
        kv_bytes_per_token=0.0,
        attention_flops_per_context_token_prefill=0.0,
        attention_flops_per_context_token_decode=0.0,
    )
    st = steady_state(
        cost,
        TOY_RATES,
        concurrency=np.array([8.0]),
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        prefill_chunk_tokens=8192,
        scheduling="mixed",
    )
    expected = 8 * input_tokens * 1e9 / 1e15 / (output_tokens - 1)
    assert float(st.tpot_s[0] - st.decode_iteration_s[0]) == pytest.approx(expected, rel=1e-9)
