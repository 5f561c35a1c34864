"""predict_training: wiring, input errors and invariants (hypothesis)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from stackplan import predict_training
from stackplan.catalog import get_accelerator
from stackplan.errors import DoesNotFitError, InvalidInputError, UnknownIdError
from stackplan.models import ModelArchitecture
from stackplan.perf.training import Configs, evaluate


def test_prediction_keeps_inputs_and_totals() -> None:
    p = predict_training("llama-3.1-8b", "h100-sxm", 64, tokens=1e12, seq_len=4096, global_batch_seqs=256)
    assert (p.accelerator, p.count, p.tokens, p.seq_len) == ("h100-sxm", 64, 1e12, 4096)
    assert p.tp * p.pp * p.dp * p.cp == 64
    assert p.search is not None
    assert p.search.configurations_evaluated > 0
    # hours = tokens / throughput / goodput; energy = hours x TDP
    assert p.accelerator_hours == pytest.approx(1e12 / p.tokens_per_s / p.goodput * 64 / 3600)
    assert p.energy_mwh == pytest.approx(p.accelerator_hours * 700 / 1e6)
    assert p.total_flops == pytest.approx(1e12 * p.model_flops_per_token)
    assert 0 < p.mfu < 1
    assert p.hfu >= p.mfu
    assert p.memory_gib_per_device <= p.memory_available_gib


def test_no_tokens_no_totals_and_fixed_config_no_search() -> None:
    p = predict_training(
        "llama-2-7b",
        "a100-sxm-80gb",
        8,
        seq_len=4096,
        global_batch_seqs=64,
        tp=1,
        pp=1,
        dp=8,
        cp=1,
        recompute="selective",
        virtual_stages=1,
        micro_batch=1,
        zero_stage=1,
    )
    assert p.accelerator_hours is None
    assert p.wall_clock_days is None
    assert p.energy_mwh is None
    assert p.search is None


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        ({"count": 0}, "--count"),
        ({"tp": 3}, "--tp"),
        ({"tp": 64}, "--tp"),
        ({"dp": 3, "global_batch_seqs": 64, "tp": 1, "pp": 1, "cp": 1, "count": 3}, "--global-batch-seqs"),
        ({"tp": 2, "pp": 2, "cp": 1, "dp": 3}, "--dp"),
        ({"seq_len": -1}, "--seq-len"),
        ({"precision": "fp6"}, "--precision"),
        ({"recompute": "some"}, "--recompute"),
        ({"ep": 2}, "--ep"),
        ({"tokens": -5.0}, "--tokens"),
    ],
)
def test_invalid_input_names_the_option(kwargs: dict[str, object], field: str) -> None:
    args: dict[str, object] = {"count": 8, **kwargs}
    count = args.pop("count")
    with pytest.raises(InvalidInputError) as err:
        predict_training("llama-2-7b", "h100-sxm", count, **args)  # type: ignore[arg-type]
    assert err.value.problems[0].field == field


def test_unknown_ids_list_the_closest() -> None:
    with pytest.raises(UnknownIdError) as err:
        predict_training("llama-3.1-80b", "h100-sxm", 8)
    assert "llama-3.1-8b" in err.value.suggestions or "llama-3.1-70b" in err.value.suggestions
    with pytest.raises(UnknownIdError) as err2:
        predict_training("llama-2-7b", "h10", 8)
    assert "h100-sxm" in err2.value.suggestions


def test_does_not_fit_says_needed_available_and_what_fits() -> None:
    with pytest.raises(DoesNotFitError) as err:
        predict_training("llama-3.1-405b", "a100-sxm-80gb", 8, seq_len=4096, global_batch_seqs=64)
    e = err.value
    assert e.needed_gib > e.available_gib == pytest.approx(80e9 / 2**30)
    assert e.suggestion is not None
    assert "devices" in e.suggestion


# ---------------------------------------------------------------------------------------- properties
_SMALL = ModelArchitecture(
    name="small",
    layers=16,
    hidden_size=2048,
    heads=16,
    kv_heads=16,
    head_dim=128,
    ffn_hidden_size=5632,
    vocab_size=32000,
)


@settings(max_examples=15, deadline=None)
@given(count=st.sampled_from([8, 16, 32, 64]), per_device=st.sampled_from([1, 2, 4]))
def test_more_devices_never_lower_throughput_at_fixed_per_device_batch(count: int, per_device: int) -> None:
    a = predict_training(_SMALL, "h100-sxm", count, seq_len=2048, global_batch_seqs=per_device * count)
    b = predict_training(
        _SMALL, "h100-sxm", 2 * count, seq_len=2048, global_batch_seqs=per_device * 2 * count
    )
    assert b.tokens_per_s >= a.tokens_per_s


@settings(max_examples=15, deadline=None)
@given(t1=st.floats(1e9, 1e13), factor=st.floats(1.0, 100.0))
def test_more_tokens_never_cost_fewer_hours(t1: float, factor: float) -> None:
    kw = {"seq_len": 2048, "global_batch_seqs": 64, "tp": 1, "pp": 1, "cp": 1, "zero_stage": 1}
    a = predict_training(_SMALL, "a100-sxm-80gb", 8, tokens=t1, **kw)  # type: ignore[arg-type]
    b = predict_training(_SMALL, "a100-sxm-80gb", 8, tokens=t1 * factor, **kw)  # type: ignore[arg-type]
    assert a.accelerator_hours is not None
    assert b.accelerator_hours is not None
    assert b.accelerator_hours >= a.accelerator_hours


@settings(max_examples=30, deadline=None)
@given(
    tp=st.sampled_from([1, 2, 4]),
    pp=st.sampled_from([1, 2, 4]),
    b=st.sampled_from([1, 2]),
    rc=st.sampled_from([0, 1, 2]),
    zero=st.sampled_from([0, 1, 3]),
    sp=st.booleans(),
    moe=st.booleans(),
)
def test_memory_never_rises_when_tp_doubles(
    tp: int, pp: int, b: int, rc: int, zero: int, sp: bool, moe: bool
) -> None:
    from stackplan.models import MoE

    model = _SMALL
    if moe:
        model = ModelArchitecture(
            name="moe",
            layers=16,
            hidden_size=2048,
            heads=16,
            kv_heads=16,
            head_dim=128,
            ffn_hidden_size=5632,
            vocab_size=32000,
            moe=MoE(experts=8, active_experts=2, expert_ffn_hidden_size=1408),
        )

    def cfg(t: int) -> Configs:
        vals = {
            "tp": t,
            "pp": pp,
            "dp": 4,
            "cp": 1,
            "ep": 1,
            "v": 1,
            "b": b,
            "rc": rc,
            "zero": zero,
            "sp": int(sp),
        }
        return Configs(**{k: np.array([v], dtype=np.int64) for k, v in vals.items()})

    acc = get_accelerator("h100-sxm")
    one = evaluate(model, acc, cfg(tp), seq_len=2048, global_batch_seqs=64)
    two = evaluate(model, acc, cfg(2 * tp), seq_len=2048, global_batch_seqs=64)
    assert two.memory_bytes[0] <= one.memory_bytes[0]
