"""Chunked and sliding-window attention in the prefill cost (Llama 4 "iRoPE" layers)."""

from __future__ import annotations

import dataclasses
from typing import Literal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackplan.catalog import get_model
from stackplan.models import ModelArchitecture
from stackplan.models.architecture import LocalAttention
from stackplan.perf.inference import predict_inference
from stackplan.perf.inference_model import mean_attended_context, prefill_attention_context
from tests.unit.inference_fixtures import toy_cost


def test_chunked_mean_context_by_hand() -> None:
    # 20,000-token prompt, chunks of 8,192: two full chunks (integral 8192^2/2 each) and 3,616
    # tokens of the third (3616^2/2): (67,108,864 + 6,537,728) / 20,000 = 3,682.3296
    assert mean_attended_context(0, 20_000, 8192, "chunked") == pytest.approx(3682.3296)
    # global causal attention over the same prompt: 10,000
    assert mean_attended_context(0, 20_000) == pytest.approx(10_000.0)


def test_sliding_mean_context_by_hand() -> None:
    # window 4,096 over 8,192 tokens: 4096^2/2 + 4096 * 4096 = 25,165,824 -> / 8,192 = 3,072
    assert mean_attended_context(0, 8192, 4096, "sliding") == pytest.approx(3072.0)


def test_cached_prefix_starts_the_prompt_later() -> None:
    # positions 16,384..20,000 are the third chunk: mean position in it (0 + 3,616) / 2 = 1,808
    assert mean_attended_context(16_384, 20_000, 8192, "chunked") == pytest.approx(1808.0)


@given(
    start=st.integers(0, 100_000),
    length=st.integers(1, 100_000),
    window=st.integers(1, 50_000),
    kind=st.sampled_from(["chunked", "sliding"]),
)
def test_local_context_never_exceeds_global_or_window(
    start: int, length: int, window: int, kind: Literal["chunked", "sliding"]
) -> None:
    local = mean_attended_context(start, start + length, window, kind)
    assert 0.0 <= local <= mean_attended_context(start, start + length) + 1e-9
    assert local <= window + 1e-9


def test_prompt_inside_one_window_is_unchanged() -> None:
    assert mean_attended_context(0, 8192, 8192, "chunked") == pytest.approx(4096.0)
    assert mean_attended_context(0, 8192, 8192, "sliding") == pytest.approx(4096.0)


def test_llama4_attends_locally_in_three_of_four_layers() -> None:
    arch = get_model("llama-4-scout").architecture
    assert arch.local_attention == LocalAttention(kind="chunked", window=8192, global_every=4)
    assert arch.local_attention.local_layers(arch.layers) == 36
    cost = dataclasses.replace(
        toy_cost(),
        local_attention_fraction=0.75,
        local_attention_window=8192.0,
        local_attention_kind="chunked",
    )
    # 0.25 * 10,000 + 0.75 * 3,682.3296 = 5,261.75
    assert prefill_attention_context(cost, 20_000) == pytest.approx(5261.7472)
    assert prefill_attention_context(toy_cost(), 20_000) == pytest.approx(10_000.0)


def _global(arch: ModelArchitecture) -> ModelArchitecture:
    return dataclasses.replace(arch, local_attention=None)


def _one_request(arch: ModelArchitecture, input_tokens: int) -> tuple[float, float]:
    p = predict_inference(
        arch,
        "b200",
        1,
        input_tokens=input_tokens,
        output_tokens=64,
        precision="fp4",
        kv_precision="fp8",
        tp=1,
        batch_size=1,
        framework="trtllm",
    )
    return p.ttft_ms, p.tpot_ms


def test_long_prompts_prefill_faster_with_chunked_attention_short_ones_do_not_change() -> None:
    scout = get_model("llama-4-scout").architecture
    (ttft_local, tpot_local), (ttft_global, tpot_global) = (
        _one_request(scout, 20_000),
        _one_request(_global(scout), 20_000),
    )
    assert ttft_local < 0.95 * ttft_global
    # decode reads the whole KV cache either way (TensorRT-LLM: chunked attention in context only)
    assert tpot_local == pytest.approx(tpot_global)
    assert _one_request(scout, 4096)[0] == pytest.approx(_one_request(_global(scout), 4096)[0])
