"""Inference predictions against bounds that need no calibration (hypothesis).

Whatever the model, the framework or the options, a prediction cannot beat the hardware: the
output rate is at most what the devices' peak matmul rate allows for the linear-layer FLOPs of the
prompts and outputs; a prompt's first token needs at least its own FLOPs on the devices of one
pipeline stage at peak; a decode step reads at least the active weights once per stage at peak
bandwidth; the prompts' share of device time is a share. A randomised sweep with these bounds
found four model bugs (the prompts' share of MoE serving, free prompts under speculative decoding,
a prompt spread over pipeline micro-batches, twice); these properties keep them found. A sweep
of fixed batch sizes found a fifth: fewer requests than replicas were costed as fractions of one.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stackplan import Disaggregation, SpeculativeDecoding
from stackplan.catalog import get_accelerator
from stackplan.errors import StackplanError
from stackplan.models.loader import resolve_model
from stackplan.perf.inference import InferencePrediction, predict_inference

MODELS = ("llama-3.1-8b", "llama-3.1-70b", "qwen3-32b", "mixtral-8x7b", "qwen3-235b-a22b", "deepseek-v3")
CHIPS = ("h100-sxm", "h200", "b200", "mi300x", "tpu-v5e", "rtx-pro-6000", "l40s", "mi350x")
#: Bytes per weight [B] of each precision (block scales aside: a lower bound).
WEIGHT_BYTES = {"bf16": 2.0, "fp8": 1.0, "fp4": 0.5}


cases = st.fixed_dictionaries(
    {
        "model": st.sampled_from(MODELS),
        "accelerator": st.sampled_from(CHIPS),
        "count": st.sampled_from([1, 2, 4, 8, 16]),
        "input_tokens": st.sampled_from([16, 128, 1000, 4096, 16000]),
        "output_tokens": st.sampled_from([2, 64, 500, 2000]),
    },
    optional={
        "precision": st.sampled_from(["bf16", "fp8", "fp4"]),
        "batch_size": st.sampled_from([1, 8, 64, 512]),
        "prefix_cache_hit_rate": st.sampled_from([0.0, 0.5]),
        "framework": st.sampled_from(["trtllm", "vllm", "sglang"]),
        "pp": st.sampled_from([2, 4, 8]),
        "speculative": st.builds(
            SpeculativeDecoding,
            draft_tokens=st.sampled_from([1, 3, 8]),
            acceptance_rate=st.sampled_from([0.0, 0.6, 0.95]),
        ),
    },
)


def _predict(kw: dict[str, object]) -> InferencePrediction | None:
    try:
        return predict_inference(**kw)  # type: ignore[arg-type]
    except StackplanError:
        return None  # does not fit, or an option the layout cannot take: nothing to bound


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(cases)
def test_predictions_stay_within_the_hardware(kw: dict[str, object]) -> None:
    p = _predict(kw)
    if p is None:
        return
    active = resolve_model(str(kw["model"])).matmul_params_active
    acc = get_accelerator(p.accelerator)
    peak = acc.peak_tflops(p.precision) * 1e12  # the chip's peak, or the fastest lower mode's
    prompt = p.input_tokens * (1.0 - p.prefix_cache_hit_rate)
    # throughput: the linear layers' FLOPs of a request's prompt and outputs at the devices' peak
    flops_per_output = 2.0 * active * (prompt + p.output_tokens) / p.output_tokens
    assert p.output_tokens_per_s <= p.count * peak / flops_per_output * 1.001
    # TTFT: the prompt's own FLOPs on the devices of one pipeline stage at peak
    stage_devices = p.count // p.replicas // p.parallelism.pp
    assert p.ttft_ms / 1e3 >= 2.0 * active * prompt / (stage_devices * peak) * 0.999
    # TPOT: every step reads the active weights once, stage after stage, at peak bandwidth
    # (speculative steps yield several tokens per read)
    if p.speculative is None:
        read = active * WEIGHT_BYTES[p.precision] / (stage_devices * acc.hbm_bandwidth_tb_s * 1e12)
        assert p.tpot_ms / 1e3 >= read * 0.999
    assert p.memory_gib_per_device <= acc.hbm_gib * 1.0001
    assert 0.0 <= p.prefill_time_share <= 1.0
    # a few prompt tokens against many outputs cannot take most of the device time
    if prompt / (prompt + p.output_tokens) < 0.05:
        assert p.prefill_time_share < 0.5
    # prompts always cost something, with or without speculative decoding
    if prompt >= 16 and p.disaggregated is None:
        assert p.prefill_time_share > 0.0


def test_a_moe_decode_step_with_fewer_sequences_than_stages_reads_whole_experts() -> None:
    # Mixtral 8x7B as TP1 PP4 on 4x H100, one request: the token crosses the four stages one after the
    # other and reads its two experts in every layer, so the step takes at least the active bf16
    # weights (12.9 B x 2 B) over one device's 3.35 TB/s = 7.6 ms. Splitting one sequence over four
    # micro-batches (0.25 of a token each, touching 0.55 experts per layer) gave 5.6 ms.
    p = _predict(
        {
            "model": "mixtral-8x7b",
            "accelerator": "h100-sxm",
            "count": 4,
            "input_tokens": 16,
            "output_tokens": 2,
            "batch_size": 1,
            "pp": 4,
        }
    )
    assert p is not None
    assert p.parallelism.pp == 4
    assert p.precision == "bf16"
    active = resolve_model("mixtral-8x7b").matmul_params_active
    assert p.tpot_ms / 1e3 >= active * 2.0 / 3.35e12


def test_drafts_that_are_never_accepted_never_raise_the_output_rate() -> None:
    # Qwen3-235B as PP8 on 8x B200 at 1,571 requests of 1,000 / 2 tokens: one drafted token per step
    # that is never accepted only adds work. Verify tokens were costed as prompt tokens, so every
    # decode step paid the per-MoE-layer prefill synchronisation (94 ms) and a prompt chunk then
    # seemed to add almost nothing to it: 846 output tokens/s against 120 without drafting, above
    # the 833 the FLOPs allow at peak.
    base = {
        "model": "qwen3-235b-a22b",
        "accelerator": "b200",
        "count": 8,
        "input_tokens": 1000,
        "output_tokens": 2,
        "precision": "bf16",
        "tp": 1,
        "ep": 1,
        "pp": 8,
        "batch_size": 1571,
    }
    plain = _predict(base)
    drafted = _predict({**base, "speculative": SpeculativeDecoding(draft_tokens=1, acceptance_rate=0.0)})
    assert plain is not None
    assert drafted is not None
    assert drafted.output_tokens_per_s <= plain.output_tokens_per_s


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(MODELS[:3]),
    st.sampled_from(CHIPS[:3]),
    st.sampled_from([1000, 4000]),
)
def test_a_disaggregated_prefill_pool_takes_its_share_of_the_devices(
    model: str, accelerator: str, input_tokens: int
) -> None:
    p = _predict(
        {
            "model": model,
            "accelerator": accelerator,
            "count": 8,
            "input_tokens": input_tokens,
            "output_tokens": 200,
            "disaggregated": Disaggregation(prefill_devices=4, decode_devices=4),
        }
    )
    if p is None:
        return
    assert p.prefill_time_share == 0.5


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    model=st.sampled_from(MODELS),
    accelerator=st.sampled_from(CHIPS),
    framework=st.sampled_from(["trtllm", "vllm", "sglang"]),
    input_tokens=st.sampled_from([128, 1000, 4096]),
    output_tokens=st.sampled_from([64, 500]),
)
def test_fewer_requests_than_replicas_get_the_latency_of_one_alone(
    model: str, accelerator: str, framework: str, input_tokens: int, output_tokens: int
) -> None:
    # With 4 replicas and 1-3 requests in flight each request has a replica to itself: its TTFT
    # and TPOT are those of one request on one replica, and the output rate is that many times
    # one replica's. (Costing a fraction of a prompt per replica once gave gpt-oss-20b on 8x MI325X
    # at batch 1 a TTFT of 40.0 ms against 30.7 ms on one device.)
    common: dict[str, object] = {
        "model": model,
        "accelerator": accelerator,
        "framework": framework,
        "input_tokens": input_tokens,
        "output_tokens": output_tokens,
        "batch_size": 1,
    }
    searched = _predict({**common, "count": 8})
    if searched is None:
        return
    layout: dict[str, object] = {
        "tp": searched.parallelism.tp,
        "ep": searched.parallelism.ep,
        "pp": searched.parallelism.pp,
        "precision": searched.precision,
    }
    devices = searched.count // searched.replicas
    alone = _predict({**common, **layout, "count": devices})
    assert alone is not None
    for batch in (1, 3):
        spread = _predict({**common, **layout, "count": 4 * devices, "batch_size": batch})
        assert spread is not None
        assert spread.replicas == 4
        assert spread.ttft_ms == pytest.approx(alone.ttft_ms, rel=1e-9)
        assert spread.tpot_ms == pytest.approx(alone.tpot_ms, rel=1e-9)
        assert spread.output_tokens_per_s == pytest.approx(batch * alone.output_tokens_per_s, rel=1e-9)


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    model=st.sampled_from([*MODELS, "llama-2-13b", "llama-3.2-3b"]),
    accelerator=st.sampled_from([*CHIPS, "h800", "gaudi3"]),
    input_tokens=st.sampled_from([1000, 4096, 16000]),
    output_tokens=st.sampled_from([16, 128]),
    prefill=st.sampled_from([2, 4, 8]),
    decode=st.sampled_from([1, 2, 4]),
    grow=st.sampled_from(["prefill", "decode"]),
)
def test_a_larger_disaggregated_pool_never_serves_less(
    model: str, accelerator: str, input_tokens: int, output_tokens: int, prefill: int, decode: int, grow: str
) -> None:
    # Doubling either pool can at worst leave the new devices idle. The prefill pool used to inherit
    # the decode pool's layout, so a larger decode pool (wider TP) could shrink the prefill rate:
    # Llama-2-13B on 4 + 2 -> 4 + 4 H800 at 4,096 / 16 tokens lost 30 % of its throughput.
    def at(p: int, d: int) -> InferencePrediction | None:
        return _predict(
            {
                "model": model,
                "accelerator": accelerator,
                "count": p + d,
                "input_tokens": input_tokens,
                "output_tokens": output_tokens,
                "disaggregated": Disaggregation(prefill_devices=p, decode_devices=d),
            }
        )

    small = at(prefill, decode)
    large = at(2 * prefill, decode) if grow == "prefill" else at(prefill, 2 * decode)
    if small is None or large is None:
        return
    assert large.output_tokens_per_s >= small.output_tokens_per_s * (1 - 1e-9)
