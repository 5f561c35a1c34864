"""Disaggregated prefill and decode pools at a fixed number of clients (closed loop), each pool in
its own layout: worked cases and invariants (hypothesis)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackplan.errors import InvalidInputError
from stackplan.perf.inference import Disaggregation, InferencePrediction, predict_inference

_LLAMA = {
    "model": "llama-3.1-70b",
    "accelerator": "h100-sxm",
    "count": 16,
    "input_tokens": 2000,
    "output_tokens": 500,
    "precision": "fp8",
    "tp": 8,
    "framework": "vllm",
}


def _disagg(clients: int, **dis: int) -> InferencePrediction:
    pools = {"prefill_devices": 8, "decode_devices": 8, "prefill_tp": 4, **dis}
    return predict_inference(batch_size=clients, disaggregated=Disaggregation(**pools), **_LLAMA)


def test_one_client_sends_one_request_after_another() -> None:
    # One client: its request is prefilled, moves to the decode pool and decodes 499 tokens; the next
    # starts when it ends. So the rate is 1 / (TTFT + 499 TPOT) and the decode pool holds one request.
    p = _disagg(1)
    assert p.batch_size == 1
    lifetime_s = (p.ttft_ms + 499 * p.tpot_ms) / 1e3
    assert p.output_tokens_per_s == pytest.approx(500 / lifetime_s, rel=1e-6)
    # the decode pool at one request: the decode-only TPOT of a single sequence on the decode layout
    alone = predict_inference(batch_size=1, prefix_cache_hit_rate=1 - 1 / 2000, **{**_LLAMA, "count": 8})
    assert p.tpot_ms == pytest.approx(alone.tpot_ms, rel=1e-6)


def test_the_clients_are_honoured_and_split_between_the_pools() -> None:
    # Little's law over the loop: clients = X (TTFT + (O - 1) TPOT), X the request rate (to the
    # interpolation between whole decode requests)
    for clients in (8, 64, 512, 5000):
        p = _disagg(clients)
        assert p.batch_size == clients
        x = p.output_tokens_per_s / 500
        assert x * (p.ttft_ms + 499 * p.tpot_ms) / 1e3 == pytest.approx(clients, rel=0.01)


def test_the_prefill_pool_caps_the_rate_and_the_rest_queue() -> None:
    # A prefill pool of one TP2 replica feeding seven TP2 decode replicas: far more clients than its
    # prompts per second can serve queue for it, so the rate stays at its limit and the TTFT grows by
    # the queue, 1,000 more clients adding ~1,000 / X seconds.
    small = {"prefill_devices": 2, "decode_devices": 14, "prefill_tp": 2}
    many = predict_inference(batch_size=2000, disaggregated=Disaggregation(**small), **{**_LLAMA, "tp": 2})
    more = predict_inference(batch_size=3000, disaggregated=Disaggregation(**small), **{**_LLAMA, "tp": 2})
    assert more.output_tokens_per_s == pytest.approx(many.output_tokens_per_s, rel=0.01)
    x = many.output_tokens_per_s / 500
    assert (more.ttft_ms - many.ttft_ms) / 1e3 == pytest.approx(1000 / x, rel=0.02)


def test_the_prefill_layout_is_the_one_given() -> None:
    p = _disagg(32, prefill_tp=2)
    assert "4 x TP2 EP1 PP1" in p.notes[-1]
    assert p.parallelism.tp == 8  # the decode pool keeps --tp


def test_a_prefill_layout_that_does_not_divide_its_pool_is_refused() -> None:
    # 6 prefill devices cannot hold replicas of TP4 (4 devices each); the decode pool (8, TP8) is fine
    dis = Disaggregation(prefill_devices=6, decode_devices=8, prefill_tp=4)
    with pytest.raises(InvalidInputError) as err:
        predict_inference(batch_size=8, disaggregated=dis, **{**_LLAMA, "count": 14})
    assert err.value.problems[0].field == "--prefill-tp"


@settings(max_examples=25, deadline=None)
@given(clients=st.integers(1, 3000), more=st.integers(1, 500))
def test_more_clients_never_lower_throughput_nor_speed_up_a_request(clients: int, more: int) -> None:
    a, b = _disagg(clients), _disagg(clients + more)
    assert b.output_tokens_per_s >= a.output_tokens_per_s * (1 - 1e-9)
    assert b.tpot_ms >= a.tpot_ms * (1 - 1e-9)
    assert b.ttft_ms >= a.ttft_ms * (1 - 1e-9)


def test_prefill_workers_taking_one_prompt_at_a_time_serve_fewer_prompts() -> None:
    # Dynamo's prefill workers run max_batch_size 1: one prompt per iteration, no batching of prompts
    # into the token budget, so the prefill-bound rate can only fall (and at one client nothing changes)
    small = {"prefill_devices": 2, "decode_devices": 14, "prefill_tp": 2}
    kw = {**_LLAMA, "tp": 2, "input_tokens": 500}
    batched = predict_inference(batch_size=3000, disaggregated=Disaggregation(**small), **kw)
    single = predict_inference(
        batch_size=3000, disaggregated=Disaggregation(**small, prefill_max_batch_size=1), **kw
    )
    assert single.output_tokens_per_s < batched.output_tokens_per_s
    one = predict_inference(
        batch_size=1, disaggregated=Disaggregation(**small, prefill_max_batch_size=1), **kw
    )
    one_b = predict_inference(batch_size=1, disaggregated=Disaggregation(**small), **kw)
    assert one.ttft_ms == pytest.approx(one_b.ttft_ms, rel=1e-9)
    with pytest.raises(InvalidInputError):
        predict_inference(batch_size=4, disaggregated=Disaggregation(**small, prefill_max_batch_size=0), **kw)


def test_a_disaggregated_prediction_states_the_disaggregated_held_out_accuracy() -> None:
    # TTFT and TPOT of disaggregated pools were checked on their own held-out rows (and miss by more),
    # so a disaggregated prediction reports those, the aggregated one the aggregated rows
    dis = _disagg(64).as_dict()["validated_accuracy"]
    agg = predict_inference(batch_size=64, **_LLAMA).as_dict()["validated_accuracy"]
    assert dis["ttft_ms"]["kind"] == "disaggregated TTFT (held-out)"
    assert dis["tpot_ms"]["kind"] == "disaggregated TPOT (held-out)"
    assert agg["ttft_ms"]["kind"] == "serving TTFT (held-out)"
    assert dis["output_tokens_per_s"]["kind"] == agg["output_tokens_per_s"]["kind"]
