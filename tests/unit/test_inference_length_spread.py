"""Output-length spread: token-weighted decode context and KV occupancy, worked by hand."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from stackplan.cli import app
from stackplan.errors import InvalidInputError
from stackplan.perf.inference import predict_inference
from stackplan.perf.inference_model import kv_tokens_held_per_request, token_weighted_decode_context


def test_token_weighted_context_by_hand() -> None:
    # fixed lengths: I + O/2
    assert token_weighted_decode_context(1000, 200) == 1100.0
    # MLPerf DeepSeek-R1 set: I = 804, O = 4,043, cv = 1.25 -> 804 + 4,043 x 2.5625 / 2 = 5,984.1
    # (the exact token-weighted mean over the 4,388 samples is 5,827: inputs and outputs correlate -0.34)
    assert token_weighted_decode_context(804, 4043, 1.25) == pytest.approx(5984.09375)


def test_two_lengths_by_enumeration() -> None:
    # half the requests generate 100 tokens, half 300: mean 200, cv 0.5. Token j of a request
    # attends to I + j; over all 400 generated tokens of one pair the mean context is
    # I + (sum_{j<=100} j + sum_{j<=300} j) / 400 = I + (5,050 + 45,150) / 400 = I + 125.5;
    # the formula drops the discrete +1/2: I + 200 x 1.25 / 2 = I + 125.
    exact = (sum(range(1, 101)) + sum(range(1, 301))) / 400
    assert exact == pytest.approx(125.5)
    assert token_weighted_decode_context(0, 200, 0.5) == pytest.approx(125.0)


def test_kv_held_per_request_with_spread() -> None:
    # reserved: I + O (1 + cv^2); in use: I + O (1 + cv^2) / 2
    assert kv_tokens_held_per_request(1000, 200, "full_sequence", 0.5) == pytest.approx(1250.0)
    assert kv_tokens_held_per_request(1000, 200, "current_length", 0.5) == pytest.approx(1125.0)
    assert kv_tokens_held_per_request(1000, 200, "current_length") == 1100.0


def test_zero_spread_changes_nothing() -> None:
    a = predict_inference(
        "llama-3.1-8b",
        "h100-sxm",
        1,
        input_tokens=1024,
        output_tokens=512,
        precision="fp8",
        tp=1,
        batch_size=64,
    )
    b = predict_inference(
        "llama-3.1-8b", "h100-sxm", 1, input_tokens=1024, output_tokens=512, precision="fp8", tp=1, batch_size=64,
        output_length_cv=0.0,
    )  # fmt: skip
    assert a.tpot_ms == b.tpot_ms
    assert a.output_tokens_per_s == b.output_tokens_per_s
    assert b.as_dict()["output_length_cv"] == 0.0


@settings(max_examples=25, deadline=None)
@given(st.floats(min_value=0.0, max_value=2.0), st.floats(min_value=0.0, max_value=2.0))
def test_more_spread_never_helps(cv_a: float, cv_b: float) -> None:
    lo, hi = sorted((cv_a, cv_b))
    # Within one regime: below a spread of one token (cv x O < 1) prompt cohorts hold, above it they
    # dissolve; across that boundary TTFT is accounted differently (cohort iteration vs queue), see
    # test_varying_output_lengths_dissolve_prompt_cohorts.
    assume((lo * 1024 < 1.0) == (hi * 1024 < 1.0))
    p_lo, p_hi = (
        predict_inference(
            "llama-3.1-8b", "h100-sxm", 1, input_tokens=512, output_tokens=1024, precision="fp8", tp=1,
            output_length_cv=cv,
        )
        for cv in (lo, hi)
    )  # fmt: skip
    assert p_hi.output_tokens_per_s <= p_lo.output_tokens_per_s * (1 + 1e-9)


def test_bad_spread_is_refused() -> None:
    for bad in (-0.1, math.inf, math.nan):
        with pytest.raises(InvalidInputError, match="output-length-cv"):
            predict_inference(
                "llama-3.1-8b", "h100-sxm", 1, input_tokens=10, output_tokens=10, output_length_cv=bad
            )
    r = CliRunner().invoke(
        app,
        ["predict", "inference", "--model", "llama-3.1-8b", "--accelerator", "h100-sxm", "--count", "1",
         "--input-tokens", "10", "--output-tokens", "10", "--output-length-cv", "-1"],
    )  # fmt: skip
    assert r.exit_code == 2
    assert "--output-length-cv" in r.output
    assert "Traceback" not in r.output


def test_service_sizing_needs_more_devices_for_long_tailed_outputs() -> None:
    # Llama-3.1-70B fp8 on H100, 2,000 in / 2,000 out at 20 requests/s, TPOT <= 40 ms: with a spread
    # of 1.2 a generated token attends to 2,000 + 2,000 x 2.44 / 2 = 4,440 tokens instead of 3,000,
    # so each replica sustains fewer requests and the service needs at least as many devices.
    from stackplan.perf.inference import size_inference_service

    def devices(cv: float) -> int:
        s = size_inference_service(
            "llama-3.1-70b", requests_per_s=20.0, input_tokens=2000, output_tokens=2000, max_tpot_ms=40.0,
            accelerators=["h100-sxm"], precision="fp8", output_length_cv=cv,
        )  # fmt: skip
        best = s.options[0]
        assert best.devices is not None
        return best.devices

    assert devices(1.2) > devices(0.0)


def test_varying_output_lengths_dissolve_prompt_cohorts() -> None:
    # A cohort of prompts admitted together stays together only while its requests live equally
    # long; with varying output lengths they finish, and their clients send the next prompts, at
    # different times. TensorRT-LLM (prompt cohorts) with cv > 0 is therefore predicted like a
    # framework without cohorts, and with cv = 0 like itself.
    from dataclasses import replace

    from stackplan.perf.inference import serving_framework_for

    trt = serving_framework_for("h100-sxm", "trtllm")
    single = replace(trt, prompt_cohorts=False)
    kw = {"input_tokens": 1000, "output_tokens": 500, "precision": "fp8", "tp": 8, "batch_size": 32}
    spread = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=trt, output_length_cv=0.6, **kw)
    alone = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=single, output_length_cv=0.6, **kw)
    assert spread.ttft_ms == pytest.approx(alone.ttft_ms, rel=1e-12)
    fixed = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=trt, **kw)
    fixed_alone = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=single, **kw)
    assert fixed.ttft_ms > fixed_alone.ttft_ms  # at fixed lengths the cohort shares the prompt's iteration
    # a spread under one token (cv x O = 0.001 x 500 = 0.5) still finishes a cohort in one iteration
    tiny = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=trt, output_length_cv=0.001, **kw)
    tiny_alone = predict_inference(
        "llama-3.1-70b", "h100-sxm", 8, framework=single, output_length_cv=0.001, **kw
    )
    assert tiny.ttft_ms > tiny_alone.ttft_ms


def test_varying_output_lengths_dissolve_prefill_first_waves() -> None:
    # SGLang's prefill-first waves (all clients' prompts prefilled back to back) need requests that
    # finish together; with cv > 0 the arriving prompts are prefilled one by one, costed like mixed
    # scheduling without cohorts.
    from dataclasses import replace

    from stackplan.perf.inference import serving_framework_for

    sgl = serving_framework_for("h100-sxm", "sglang")
    mixed = replace(sgl, scheduling="mixed", prompt_cohorts=False)
    kw = {"input_tokens": 1000, "output_tokens": 500, "precision": "fp8", "tp": 8, "batch_size": 64}
    spread = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=sgl, output_length_cv=0.6, **kw)
    alone = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=mixed, output_length_cv=0.6, **kw)
    assert (spread.ttft_ms, spread.tpot_ms) == pytest.approx((alone.ttft_ms, alone.tpot_ms), rel=1e-12)
    waves = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=sgl, **kw)
    assert waves.ttft_ms > spread.ttft_ms  # 64 prompts back to back vs one at a time


def test_poisson_arrivals_form_no_prompt_cohorts() -> None:
    # With a latency percentile the requests arrive as a Poisson stream: prompts come one at a time
    # even at fixed lengths, so TensorRT-LLM is costed without cohorts there too.
    from dataclasses import replace

    from stackplan.perf.inference import serving_framework_for

    trt = serving_framework_for("h100-sxm", "trtllm")
    single = replace(trt, prompt_cohorts=False)
    kw = {"input_tokens": 1000, "output_tokens": 500, "precision": "fp8", "tp": 8, "batch_size": 32}
    p99 = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=trt, latency_percentile=99, **kw)
    ref = predict_inference("llama-3.1-70b", "h100-sxm", 8, framework=single, latency_percentile=99, **kw)
    assert p99.ttft_percentile_ms == pytest.approx(ref.ttft_percentile_ms, rel=1e-12)
    assert p99.ttft_ms == pytest.approx(ref.ttft_ms, rel=1e-12)
