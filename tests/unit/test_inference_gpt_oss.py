"""gpt-oss serving: sliding-window layers hold and read only their window of the KV cache; the
published checkpoint keeps MXFP4 experts and bf16 for the rest."""

from __future__ import annotations

import dataclasses

import pytest

from stackplan.catalog import get_model
from stackplan.catalog.accelerators import get_accelerator
from stackplan.catalog.serving import get_inference_efficiency, get_moe_kernel_efficiency
from stackplan.models.architecture import LocalAttention, ModelArchitecture
from stackplan.perf.inference import InferencePrediction, predict_inference, serving_framework_for
from stackplan.perf.inference_model import ServingCost, kv_context
from stackplan.perf.inference_setup import (
    Parallelism,
    device_rates,
    layer_kernel_ratio,
    memory_per_device,
    mxfp4_experts,
    serving_cost,
    weight_bytes_per_device,
)

GPT_OSS = get_model("gpt-oss-120b").architecture


def _cost(arch: ModelArchitecture = GPT_OSS) -> ServingCost:
    return serving_cost(arch, Parallelism(tp=1), weight_bytes_per_param=0.5625, kv_bytes_per_element=2.0)


def test_gpt_oss_kv_bytes_per_token_by_hand() -> None:
    # 36 layers x (K + V) x 8 KV heads x 64 x 2 B (bf16) = 73,728 B per token over all layers
    assert GPT_OSS.kv_cache_bytes_per_token(2.0) == 36 * 2 * 8 * 64 * 2 == 73_728


def test_half_the_layers_keep_only_128_tokens() -> None:
    cost = _cost()
    # 18 global layers keep 8,192 tokens, 18 sliding layers keep 128: mean (8192 + 128) / 2 = 4,160
    assert float(kv_context(cost, 8192.0)) == pytest.approx(4160.0)
    # below the window every layer keeps the whole context
    assert float(kv_context(cost, 100.0)) == pytest.approx(100.0)


@pytest.mark.parametrize("model_id", ["llama-4-scout", "llama-3.1-8b"])
def test_chunked_and_global_layers_keep_the_whole_context(model_id: str) -> None:
    cost = _cost(get_model(model_id).architecture)
    assert float(kv_context(cost, 20_000.0)) == 20_000.0


def test_kv_memory_of_a_request_by_hand() -> None:
    acc = get_accelerator("h200")
    fw = serving_framework_for("h200", "vllm")
    mem = memory_per_device(
        GPT_OSS, Parallelism(tp=1), acc, fw, weight_bytes_per_param=0.5625, kv_bytes_per_element=2.0,
        sequences=1, context_tokens=8192.0,
    )  # fmt: skip
    assert mem.kv_cache_gib * 2**30 == pytest.approx(4160 * 73_728)


def test_sliding_window_serves_more_and_faster_than_the_same_model_global() -> None:
    # Same weights, every layer global: more KV per request, so a smaller batch fits and decode reads more.
    full = dataclasses.replace(GPT_OSS, local_attention=None)

    def run(arch: ModelArchitecture, batch: int | None) -> InferencePrediction:
        return predict_inference(
            arch, "h200", 1, input_tokens=8192, output_tokens=1024, precision="fp4", kv_precision="bf16",
            framework="vllm", tp=1, batch_size=batch,
        )  # fmt: skip

    slid, glob = run(GPT_OSS, 64), run(full, 64)
    assert slid.kv_cache_gib < glob.kv_cache_gib
    assert slid.tpot_ms < glob.tpot_ms
    assert run(GPT_OSS, None).max_batch_size > run(full, None).max_batch_size


def test_all_layers_sliding() -> None:
    arch = dataclasses.replace(
        GPT_OSS, local_attention=LocalAttention(kind="sliding", window=4096, global_every=0)
    )
    assert float(kv_context(_cost(arch), 10_000.0)) == pytest.approx(4096.0)


# ---------------------------------------------------------------- the MXFP4-expert checkpoint


def test_gpt_oss_fp4_weights_match_the_published_checkpoint_size() -> None:
    # OpenAI model card: checkpoints of 60.8 GiB (120b) and 12.8 GiB (20b), MXFP4 experts
    # (0.5 + 1/32 B per weight) and bf16 for everything else. By hand for 120b: routed experts
    # 36 x 128 x (3 x 2880^2 + 3 x 2880) = 114,701,598,720 weights, the other 2,127,551,040 in bf16.
    b120 = weight_bytes_per_device(GPT_OSS, Parallelism(tp=1), 0.5625, "fp4")
    assert b120 == pytest.approx(114_701_598_720 * 0.53125 + 2_127_551_040 * 2.0)
    assert b120 / 2**30 == pytest.approx(60.8, abs=0.1)
    b20 = weight_bytes_per_device(get_model("gpt-oss-20b").architecture, Parallelism(tp=1), 0.5625, "fp4")
    assert b20 / 2**30 == pytest.approx(12.8, abs=0.05)
    # without the precision (or at fp8) every weight takes the given width
    assert weight_bytes_per_device(GPT_OSS, Parallelism(tp=1), 1.0, "fp8") == GPT_OSS.total_params


def test_mxfp4_layout_only_for_a_checkpoint_that_ships_it() -> None:
    assert mxfp4_experts(GPT_OSS, "fp4")
    assert not mxfp4_experts(GPT_OSS, "fp8")
    assert not mxfp4_experts(get_model("qwen3-235b-a22b").architecture, "fp4")  # NVFP4 everywhere
    # the attention and MLP inputs stay bf16: no NVFP4 activation-quantisation kernels
    assert layer_kernel_ratio(GPT_OSS, "fp4") == pytest.approx(1.0 + 4.0 / 12.0)
    assert layer_kernel_ratio(get_model("qwen3-235b-a22b").architecture, "fp4") == pytest.approx(
        1.0 + 6.0 / 12.0
    )


def test_mxfp4_rates_use_the_measured_mxfp4_moe_kernel_and_bf16_dense_gemms() -> None:
    acc = get_accelerator("b200")
    fw = serving_framework_for("b200", "trtllm")
    par = Parallelism(tp=1)
    rates = device_rates(
        acc, get_inference_efficiency("b200", "fp4"), get_inference_efficiency("b200", "bf16"), fw,
        precision="fp4", par=par, mxfp4=True,
    )  # fmt: skip
    kernel = get_moe_kernel_efficiency("trtllm", "b200", "mxfp4")
    assert kernel is not None
    assert kernel.backend == "TRTLLM"
    assert rates.expert_memory_bytes_per_s == pytest.approx(
        acc.hbm_bandwidth_tb_s * 1e12 * kernel.expert_bandwidth_efficiency
    )
    bf16 = acc.peak_tflops("bf16") * 1e12 * get_inference_efficiency("b200", "bf16").matmul_efficiency
    assert rates.matmul_flops_per_s == pytest.approx(bf16)
    # TensorRT-LLM's Blackwell MXFP4 MoE runs MXFP8 activations: expert GEMMs at the fp8 rate
    fp8 = acc.peak_tflops("fp8") * 1e12 * get_inference_efficiency("b200", "fp8").matmul_efficiency
    assert rates.expert_matmul_flops_per_s == pytest.approx(fp8)
    # vLLM serves the checkpoint weight-only (bf16 activations)
    v = device_rates(
        acc, get_inference_efficiency("b200", "fp4"), get_inference_efficiency("b200", "bf16"),
        serving_framework_for("b200", "vllm"), precision="fp4", par=par, mxfp4=True,
    )  # fmt: skip
    assert v.expert_matmul_flops_per_s == pytest.approx(bf16)


def test_prediction_says_which_checkpoint_fp4_runs() -> None:
    p = predict_inference(GPT_OSS, "h100-sxm", 1, input_tokens=1000, output_tokens=1000, precision="fp4")
    assert any("MXFP4" in n for n in p.notes)
    assert p.weights_gib_per_device == pytest.approx(60.7, abs=0.1)
    q = predict_inference(
        get_model("qwen3-235b-a22b").architecture,
        "b200",
        8,
        input_tokens=1000,
        output_tokens=1000,
        precision="fp4",
    )
    assert not any("MXFP4" in n for n in q.notes)
