"""The public inference API: wiring, options and errors (numbers are checked in test_inference_model)."""

from __future__ import annotations

import dataclasses
import math

import pytest

import stackplan
from stackplan import (
    Disaggregation,
    DoesNotFitError,
    SpeculativeDecoding,
    predict_inference,
    size_inference_service,
)
from stackplan.errors import InvalidInputError
from stackplan.perf.inference import LatencyTargetsError


def _p(**kw: object) -> stackplan.InferencePrediction:
    args: dict[str, object] = {"input_tokens": 1000, "output_tokens": 500}
    args.update(kw)
    return predict_inference("llama-3.1-8b", "h100-sxm", 1, **args)  # type: ignore[arg-type]


def test_result_is_frozen_and_keeps_inputs() -> None:
    p = _p(precision="fp8")
    assert (p.model, p.accelerator, p.count, p.input_tokens, p.output_tokens) == (
        "llama-3.1-8b",
        "h100-sxm",
        1,
        1000,
        500,
    )
    with pytest.raises(dataclasses.FrozenInstanceError):
        p.count = 2  # type: ignore[misc]
    assert p.mode == "max_throughput"
    assert p.output_tokens_per_s_per_device == p.output_tokens_per_s
    assert p.memory_gib_per_device <= 80e9 / 2**30


def test_batch_size_mode_and_latency_targets() -> None:
    at16 = _p(precision="fp8", batch_size=16)
    assert at16.mode == "at_batch_size"
    assert at16.batch_size == 16
    best = _p(precision="fp8", max_tpot_ms=at16.tpot_ms)
    assert best.mode == "latency_targets"
    assert best.tpot_ms <= at16.tpot_ms
    assert best.output_tokens_per_s >= at16.output_tokens_per_s * 0.95
    assert best.output_tokens_per_s <= _p(precision="fp8").output_tokens_per_s


def test_targets_at_a_given_batch_size_choose_the_layout() -> None:
    # 64 requests on 4 x H100: TP1 runs four replicas of 16 (slow decode), TP4 one of 64 (fast
    # decode); a TPOT target between the two keeps the batch and picks the layout that meets it
    kw: dict[str, object] = {"precision": "fp8", "batch_size": 64}
    tp1 = predict_inference("llama-3.1-70b", "h100-sxm", 4, input_tokens=1000, output_tokens=500, tp=1, **kw)  # type: ignore[arg-type]
    tp4 = predict_inference("llama-3.1-70b", "h100-sxm", 4, input_tokens=1000, output_tokens=500, tp=4, **kw)  # type: ignore[arg-type]
    fast, slow = sorted((tp1, tp4), key=lambda p: p.tpot_ms)
    assert fast.tpot_ms < slow.tpot_ms
    target = (fast.tpot_ms + slow.tpot_ms) / 2
    got = predict_inference(
        "llama-3.1-70b",
        "h100-sxm",
        4,
        input_tokens=1000,
        output_tokens=500,
        max_tpot_ms=target,
        **kw,  # type: ignore[arg-type]
    )
    assert got.mode == "at_batch_size"
    assert got.batch_size == 64
    assert got.tpot_ms <= target
    with pytest.raises(LatencyTargetsError) as err:
        predict_inference(
            "llama-3.1-70b",
            "h100-sxm",
            4,
            input_tokens=1000,
            output_tokens=500,
            max_tpot_ms=0.5,
            **kw,  # type: ignore[arg-type]
        )
    assert "--batch-size 64" in str(err.value)
    assert "lower --batch-size" in str(err.value)


def test_unmet_targets_report_best_reachable() -> None:
    with pytest.raises(LatencyTargetsError) as err:
        _p(max_tpot_ms=0.5)
    assert err.value.best_tpot_ms > 0.5
    assert "best TPOT reachable" in str(err.value)


def test_does_not_fit_names_memory_and_smallest_count() -> None:
    with pytest.raises(DoesNotFitError) as err:
        predict_inference(
            "llama-3.1-405b", "h100-sxm", 1, input_tokens=1000, output_tokens=1000, precision="bf16"
        )
    # 405B x 2 B = 811 GB of weights: needs at least 16 H100 in bf16 (powers of two tried)
    assert err.value.needed_gib > 700
    assert "smallest count of h100-sxm that fits is 16" in str(err.value)


def test_options_move_the_numbers_the_right_way() -> None:
    base = _p(precision="fp8", batch_size=64, framework="vllm")
    cached = _p(precision="fp8", batch_size=64, framework="vllm", prefix_cache_hit_rate=0.8)
    assert cached.ttft_ms < base.ttft_ms
    assert cached.tpot_ms < base.tpot_ms
    assert cached.output_tokens_per_s > base.output_tokens_per_s
    spec = _p(
        precision="fp8", batch_size=1, speculative=SpeculativeDecoding(draft_tokens=3, acceptance_rate=0.8)
    )
    assert spec.tpot_ms < _p(precision="fp8", batch_size=1).tpot_ms
    fp8 = _p(precision="fp8")
    assert fp8.output_tokens_per_s > _p(precision="bf16").output_tokens_per_s


def test_search_covers_precision_and_parallelism() -> None:
    p = predict_inference(
        "llama-3.1-70b", "h100-sxm", 8, input_tokens=1000, output_tokens=1000, precision=None
    )
    assert p.precision in ("fp8", "bf16")
    assert p.parallelism.devices * p.replicas == 8


def test_disaggregated_pools() -> None:
    p = predict_inference(
        "llama-3.1-70b",
        "h100-sxm",
        8,
        input_tokens=2000,
        output_tokens=200,
        precision="fp8",
        tp=4,
        disaggregated=Disaggregation(prefill_devices=4, decode_devices=4),
    )
    assert p.disaggregated is not None
    assert p.output_tokens_per_s > 0
    assert p.ttft_ms > 0
    assert any("KV transfer" in n for n in p.notes)
    with pytest.raises(InvalidInputError):
        predict_inference(
            "llama-3.1-70b",
            "h100-sxm",
            8,
            input_tokens=2000,
            output_tokens=200,
            disaggregated=Disaggregation(prefill_devices=4, decode_devices=2),
        )


def test_disaggregated_decode_pool_never_prefills() -> None:
    # The decode pool receives the prompts' KV caches, so its TPOT is its decode iteration (plus the
    # one handed-over token), while a colocated instance's TPOT also carries the prompts' chunks.
    kw = {"input_tokens": 4000, "output_tokens": 500, "precision": "fp8", "tp": 8}
    dis = predict_inference(
        "llama-3.1-70b", "h200", 16, disaggregated=Disaggregation(prefill_devices=8, decode_devices=8), **kw
    )  # type: ignore[arg-type]
    decode_step = sum(v for _, v in dis.decode_iteration_ms)
    assert dis.tpot_ms == pytest.approx(decode_step, rel=0.01)
    colocated = predict_inference("llama-3.1-70b", "h200", 8, batch_size=dis.batch_size, **kw)  # type: ignore[arg-type]
    assert colocated.tpot_ms > 1.5 * dis.tpot_ms
    # 4,000-token prompts on 8 devices feed fewer requests than the decode pool could hold: it runs
    # the concurrency Little's law gives, rate x (O - 1) x TPOT, below its memory limit
    rate = dis.output_tokens_per_s / 500
    assert dis.batch_size == pytest.approx(rate * 499 * dis.tpot_ms / 1e3, abs=1.0)
    assert dis.batch_size < dis.max_batch_size


def test_bad_input_names_the_option() -> None:
    with pytest.raises(InvalidInputError) as err:
        _p(prefix_cache_hit_rate=1.5)
    assert err.value.problems[0].field == "--prefix-cache-hit-rate"
    with pytest.raises(InvalidInputError):
        _p(precision="int3")
    # every option error names the option and says what to give instead
    cases: list[tuple[dict[str, object], str]] = [
        ({"ep": 4}, "--ep"),  # a dense model has no experts to split
        ({"speculative": SpeculativeDecoding(draft_tokens=3, acceptance_rate=1.2)}, "--spec-acceptance"),
        ({"speculative": SpeculativeDecoding(draft_tokens=0, acceptance_rate=0.7)}, "--spec-draft-tokens"),
        ({"batch_size": 0}, "--batch-size"),
        ({"max_tpot_ms": -1.0}, "--max-tpot-ms"),
        # NaN compares false with everything, so a bare "<= 0" check would let it through and the
        # search would report every configuration as missing the target
        ({"max_tpot_ms": math.nan}, "--max-tpot-ms"),
        ({"max_ttft_ms": math.inf}, "--max-ttft-ms"),
        (
            {
                "speculative": SpeculativeDecoding(
                    draft_tokens=3, acceptance_rate=0.7, draft_cost_fraction=math.nan
                )
            },
            "--spec-draft-cost",
        ),
        ({"disaggregated": Disaggregation(prefill_devices=1, decode_devices=1)}, "--prefill-devices"),
        # a degree of 0 is an error, not "search it"
        ({"tp": 0}, "--tp"),
        ({"pp": -1}, "--pp"),
        (
            {"disaggregated": Disaggregation(prefill_devices=4, decode_devices=4, prefill_tp=0)},
            "--prefill-tp",
        ),
    ]
    for kw, field in cases:
        with pytest.raises(InvalidInputError) as err:
            _p(**kw)
        problem = err.value.problems[0]
        assert problem.field == field, kw
        assert problem.fix, kw


def test_non_finite_rates_and_prices_name_the_option() -> None:
    for bad in (math.nan, -1.0):
        with pytest.raises(InvalidInputError) as err:
            _p().token_costs(bad)
        assert err.value.problems[0].field == "--usd-per-device-hour"
    with pytest.raises(InvalidInputError) as err:
        size_inference_service("llama-3.1-8b", requests_per_s=math.nan, input_tokens=1000, output_tokens=200)
    assert err.value.problems[0].field == "--requests-per-s"


def test_sizing_gives_devices_per_accelerator() -> None:
    s = size_inference_service(
        "llama-3.1-70b",
        requests_per_s=20,
        input_tokens=1000,
        output_tokens=500,
        max_tpot_ms=50,
        accelerators=["h100-sxm", "h200"],
        precision="fp8",
    )
    by_id = {o.accelerator: o for o in s.options}
    assert by_id["h100-sxm"].devices is not None
    assert by_id["h200"].devices is not None
    # H200 has more memory and bandwidth: never needs more devices than H100
    assert by_id["h200"].devices <= by_id["h100-sxm"].devices
    assert s.best is not None
    h100 = by_id["h100-sxm"].prediction
    assert h100 is not None
    # the chosen replicas together serve the demand: requests/s x output tokens
    assert by_id["h100-sxm"].replicas * h100.output_tokens_per_s >= 20 * 500


def test_public_api_exports() -> None:
    for name in ("predict_inference", "size_inference_service", "InferencePrediction"):
        assert name in stackplan.__all__


def test_deployment_settings_reach_both_pools_of_a_disaggregated_prediction() -> None:
    from stackplan.perf.inference import serving_framework_for

    default = serving_framework_for("h100-sxm")
    assert default.id == "trtllm"
    tuned = default.with_deployment(memory_fraction=0.6, max_batch_size=48)
    # only the named settings change
    assert dataclasses.replace(tuned, memory_fraction=0.9, max_batch_size=2048) == default
    kw = {
        "input_tokens": 2000,
        "output_tokens": 200,
        "precision": "fp8",
        "tp": 4,
        "disaggregated": Disaggregation(prefill_devices=4, decode_devices=4),
    }
    a = predict_inference("llama-3.1-70b", "h100-sxm", 8, **kw)  # type: ignore[arg-type]
    b = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=tuned, **kw)  # type: ignore[arg-type]
    assert b.framework_settings is not None
    assert b.framework_settings.max_batch_size == 48
    assert b.framework_settings.memory_fraction == 0.6
    # the decode pool (one TP4 instance) is capped at 48 sequences instead of its memory limit
    assert a.max_batch_size > 48
    assert b.max_batch_size == 48


def test_whole_prompts_must_fit_the_token_budget() -> None:
    from stackplan.perf.inference import serving_framework_for

    fw = serving_framework_for("h100-sxm", "trtllm").with_deployment(
        max_num_tokens=1024, chunked_prefill=False
    )
    kw = {"input_tokens": 2000, "output_tokens": 200, "precision": "fp8", "tp": 8}
    with pytest.raises(InvalidInputError, match="max-num-tokens"):
        predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=fw, **kw)  # type: ignore[arg-type]
    # half the prompt from the prefix cache: 1,000 uncached tokens fit
    p = predict_inference(
        "llama-3.1-70b",
        "h100-sxm",
        8,
        framework=fw,
        prefix_cache_hit_rate=0.5,
        **kw,  # type: ignore[arg-type]
    )
    assert p.output_tokens_per_s > 0


def test_sglang_token_budget_follows_the_gpu_memory() -> None:
    """SGLang's default chunked_prefill_size (ServerArgs._handle_gpu_memory_settings): 8,192 on
    80-141 GB GPUs, 16,384 from 160 GiB; a budget the deployment sets wins; other frameworks keep
    one budget on every chip."""
    from stackplan.catalog.serving import sglang_chunk_tokens
    from stackplan.perf.inference import serving_framework_for

    assert [sglang_chunk_tokens(g) for g in (40.0, 59.9, 60.0, 131.3, 159.9, 160.0, 179.1)] == [
        4096,
        4096,
        8192,
        8192,
        8192,
        16384,
        16384,
    ]
    assert serving_framework_for("h100-sxm", "sglang").prefill_chunk_tokens == 8192
    assert serving_framework_for("h200", "sglang").prefill_chunk_tokens == 8192
    assert serving_framework_for("b200", "sglang").prefill_chunk_tokens == 16384
    assert serving_framework_for("mi300x", "sglang").prefill_chunk_tokens == 16384
    assert (
        serving_framework_for("b200", "sglang").with_deployment(max_num_tokens=4096).prefill_chunk_tokens
        == 4096
    )
    assert serving_framework_for("b200", "trtllm").prefill_chunk_tokens == 8192
    assert serving_framework_for("b200", "vllm").prefill_chunk_tokens == 8192
    # the prediction reports the budget it ran with
    kw = {"input_tokens": 8000, "output_tokens": 200, "precision": "fp8", "tp": 8, "batch_size": 32}
    p = predict_inference("llama-3.1-70b", "b200", 8, framework="sglang", **kw)  # type: ignore[arg-type]
    assert p.framework_settings is not None
    assert p.framework_settings.max_num_tokens == 16384
    # the bigger budget needs a bigger activation workspace at the same batch
    small = serving_framework_for("b200", "sglang").with_deployment(max_num_tokens=8192)
    q = predict_inference("llama-3.1-70b", "b200", 8, framework=small, **kw)  # type: ignore[arg-type]
    assert p.memory_gib_per_device > q.memory_gib_per_device


def test_prefill_time_share_is_the_prompts_share_of_device_time() -> None:
    kw: dict[str, object] = {"precision": "fp8", "tp": 8}
    p = predict_inference("llama-3.1-70b", "h100-sxm", 8, input_tokens=1000, output_tokens=200, **kw)  # type: ignore[arg-type]
    # at maximum throughput the iterations are compute-bound and 1,000 prompt tokens carry 5/6 of a
    # request's matmul FLOPs; the decode KV reads take the rest: the prompts take most, not all
    assert 0.5 < p.prefill_time_share < 5 / 6
    # a request's own latency split (TTFT / (TTFT + O TPOT)) would give under 2 % here
    assert p.ttft_ms / (p.ttft_ms + 200 * p.tpot_ms) < 0.02
    longer = predict_inference("llama-3.1-70b", "h100-sxm", 8, input_tokens=4000, output_tokens=200, **kw)  # type: ignore[arg-type]
    assert longer.prefill_time_share > p.prefill_time_share
    cached = predict_inference(
        "llama-3.1-70b",
        "h100-sxm",
        8,
        input_tokens=1000,
        output_tokens=200,
        prefix_cache_hit_rate=0.9,
        **kw,  # type: ignore[arg-type]
    )
    assert cached.prefill_time_share < p.prefill_time_share
    dis = predict_inference(
        "llama-3.1-70b",
        "h200",
        8,
        input_tokens=4000,
        output_tokens=500,
        precision="fp8",
        disaggregated=Disaggregation(prefill_devices=2, decode_devices=6),
    )
    assert dis.prefill_time_share == 2 / 8


def test_token_costs_of_a_prediction_by_hand() -> None:
    p = _p(precision="fp8", batch_size=16)
    tc = p.token_costs(3.6)  # 3.6 USD per device-hour = 0.001 USD per device-second
    out_per_s = p.output_tokens_per_s
    in_per_s = out_per_s * 1000 / 500
    assert tc.usd_per_million_blended == pytest.approx(0.001 / (in_per_s + out_per_s) * 1e6)
    assert tc.usd_per_million_output == pytest.approx(0.001 * (1 - p.prefill_time_share) / out_per_s * 1e6)
    with pytest.raises(InvalidInputError):
        p.token_costs(-1.0)


def test_a_precision_the_chip_cannot_compute_is_noted_as_weight_only() -> None:
    kw: dict[str, object] = {"input_tokens": 100, "output_tokens": 100, "precision": "fp4"}
    p = predict_inference("llama-3.1-8b", "tpu-v5e", 1, **kw)  # type: ignore[arg-type]
    assert any("no fp4 matrix units" in n and "run at bf16" in n for n in p.notes)
    native = predict_inference("llama-3.1-8b", "b200", 1, **kw)  # type: ignore[arg-type]
    assert not any("matrix units" in n for n in native.notes)


def test_a_lone_prompt_crosses_the_pipeline_stages_one_after_another() -> None:
    # Llama-3.1-70B fp8, one 4,000-token prompt on 8 x H100 as 8 pipeline stages: the stages run
    # its prefill in turn, so TTFT is at least its 2 x 70.6e9 x 4,000 FLOPs at one H100's fp8 peak
    # (1,979 TFLOP/s), 285 ms; split over 8 micro-batches it had been predicted at 86 ms.
    kw: dict[str, object] = {"input_tokens": 4000, "output_tokens": 200, "precision": "fp8", "batch_size": 1}
    pp = predict_inference("llama-3.1-70b", "h100-sxm", 8, tp=1, pp=8, **kw)  # type: ignore[arg-type]
    assert pp.ttft_ms > 2 * 70.6e9 * 4000 / 1979e12 * 1e3
    tp = predict_inference("llama-3.1-70b", "h100-sxm", 8, tp=8, pp=1, **kw)  # type: ignore[arg-type]
    assert tp.ttft_ms < pp.ttft_ms


def test_a_lone_prompt_on_attention_dp_ranks_crosses_the_stages_in_turn() -> None:
    # Qwen3-235B, attention DP8 + EP8: one 8,000-token prompt sits on one rank; with two pipeline
    # stages its layers run on two ranks one after the other, so TTFT cannot fall to half of one
    # stage's (it was predicted 380 ms against 663 ms for one stage).
    kw: dict[str, object] = {"input_tokens": 8000, "output_tokens": 100, "precision": "fp8", "batch_size": 1}
    one = predict_inference("qwen3-235b-a22b", "h100-sxm", 8, tp=1, ep=8, pp=1, **kw)  # type: ignore[arg-type]
    two = predict_inference("qwen3-235b-a22b", "h100-sxm", 16, tp=1, ep=8, pp=2, **kw)  # type: ignore[arg-type]
    assert two.ttft_ms > 0.9 * one.ttft_ms


def test_one_request_over_several_replicas_is_prefilled_whole() -> None:
    # one request on 4 x H100 as two TP1 PP2 replicas: each replica averages half a request, but
    # the request's 1,000-token prompt is prefilled whole, so TTFT is at least its FLOPs on one
    # stage's device at peak (2 x 7.5e9 x 1,000 / 989e12 = 15 ms; it was predicted 14.6 ms for
    # half the prompt)
    p = predict_inference(
        "llama-3.1-8b", "h100-sxm", 4, input_tokens=1000, output_tokens=2, batch_size=1, precision="bf16",
        tp=1, pp=2, framework="sglang",
    )  # fmt: skip
    assert p.replicas == 2
    assert p.ttft_ms > 2 * 7.5e9 * 1000 / 989e12 * 1e3
