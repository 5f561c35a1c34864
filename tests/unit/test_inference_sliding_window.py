"""Sliding-window layers hold and read only their window of the KV cache (gpt-oss, Mistral)."""

from __future__ import annotations

import dataclasses

import pytest

from stackplan.catalog import get_model
from stackplan.catalog.accelerators import get_accelerator
from stackplan.models.architecture import LocalAttention, ModelArchitecture
from stackplan.perf.inference import InferencePrediction, predict_inference, serving_framework_for
from stackplan.perf.inference_model import ServingCost, kv_context
from stackplan.perf.inference_setup import Parallelism, memory_per_device, serving_cost

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


def test_chunked_and_global_layers_keep_the_whole_context() -> None:
    scout = serving_cost(
        get_model("llama-4-scout").architecture,
        Parallelism(tp=1),
        weight_bytes_per_param=1.0,
        kv_bytes_per_element=1.0,
    )
    assert float(kv_context(scout, 20_000.0)) == 20_000.0
    dense = serving_cost(
        get_model("llama-3.1-8b").architecture,
        Parallelism(tp=1),
        weight_bytes_per_param=1.0,
        kv_bytes_per_element=1.0,
    )
    assert float(kv_context(dense, 20_000.0)) == 20_000.0


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
