"""Training performance model: hand-worked values of the pure functions."""

from __future__ import annotations

import numpy as np
import pytest

from stackplan.models import ModelArchitecture
from stackplan.perf import communication as comm
from stackplan.perf import memory as mem
from stackplan.perf.search import enumerate_configs
from stackplan.perf.training import bubble_fraction


def _gpt(layers: int = 96, h: int = 12288, heads: int = 96, vocab: int = 51200) -> ModelArchitecture:
    return ModelArchitecture(
        name="gpt",
        layers=layers,
        hidden_size=h,
        heads=heads,
        kv_heads=heads,
        head_dim=h // heads,
        ffn_hidden_size=4 * h,
        mlp="plain",
        vocab_size=vocab,
        tied_embeddings=True,
    )


def test_training_flops_match_korthikanti_model_flops() -> None:
    # Korthikanti et al. 2022 sec. 6: model FLOPs per iteration 72 B s l h^2 (1 + s/6h + V/12lh);
    # per token (B s = 1), GPT-3 shape, s = 2048. Norm gains (no matmul) are the only difference.
    m = _gpt()
    s, h, layers, v = 2048, 12288, 96, 51200
    hand = 72 * layers * h * h * (1 + s / (6 * h) + v / (12 * layers * h))
    assert m.model_flops_per_token_training(s) == pytest.approx(hand, rel=1e-4)


def test_bubble_fraction_by_hand() -> None:
    assert bubble_fraction(4, 1, 8) == pytest.approx(3 / 8)
    assert bubble_fraction(8, 3, 64) == pytest.approx(7 / 192)
    assert bubble_fraction(1, 1, 5) == 0.0


def test_all_reduce_time_by_hand() -> None:
    # 1 GB over 8 ranks at 100 GB/s, no latency: 2 * 7/8 * 1e9 / 1e11 = 17.5 ms
    assert comm.all_reduce_time_s(1e9, 8, 100e9, 0.0) == pytest.approx(0.0175)
    # one rank: nothing to do
    assert comm.all_reduce_time_s(1e9, 1, 100e9, 1e-5) == 0.0
    # reduce-scatter is half the volume of an all-reduce; 8 ranks pay 7 latency steps of 10 us
    assert comm.reduce_scatter_time_s(1e9, 8, 100e9, 1e-5) == pytest.approx(0.00875 + 7e-5)


def test_group_bandwidth_inside_and_across_domains() -> None:
    kw = {"domain_size": 8, "scaleup_gb_s": 450.0, "scaleout_gb_s": 50.0}
    up = 450e9 * comm.SCALEUP_BANDWIDTH_EFFICIENCY
    out = 50e9 * comm.SCALEOUT_BANDWIDTH_EFFICIENCY
    assert comm.group_bandwidth_bytes_per_s(8, 1, **kw) == pytest.approx(up)
    # one member per node (stride 8): one NIC each
    assert comm.group_bandwidth_bytes_per_s(16, 8, **kw) == pytest.approx(out)
    # two members per node (stride 4): two NICs' worth
    assert comm.group_bandwidth_bytes_per_s(16, 4, **kw) == pytest.approx(2 * out)
    # eight members per node: capped by the scale-up link
    assert comm.group_bandwidth_bytes_per_s(64, 1, **kw) == pytest.approx(min(8 * out, up))


def test_activation_memory_matches_korthikanti_formulas() -> None:
    # h = 4096, a = 32, s = 2048, b = 1 (Korthikanti et al. 2022 sec. 4, GPT layer with dropout)
    s, h, a = 2048, 4096, 32
    kw = {
        "tokens": s,
        "hidden": h,
        "q_width": h,
        "k_width": h,
        "v_width": h,
        "attn_out_width": h,
        "score_elements_per_token": a * s,
        "mlp_stored_width": 2 * 4 * h,
        "dropout": True,
        "flash_attention": False,
    }
    none_1 = mem.activation_bytes_per_layer(**kw, tp=1, recompute=0, sequence_parallel=False)
    assert float(none_1) == 34 * s * h + 5 * a * s * s  # 956,301,312 B
    none_8_sp = mem.activation_bytes_per_layer(**kw, tp=8, recompute=0, sequence_parallel=True)
    assert float(none_8_sp) == pytest.approx(s * h * (34 / 8 + 5 * a * s / (h * 8)))
    none_8 = mem.activation_bytes_per_layer(**kw, tp=8, recompute=0, sequence_parallel=False)
    assert float(none_8) == pytest.approx(s * h * (10 + 24 / 8 + 5 * a * s / (h * 8)))
    sel_8_sp = mem.activation_bytes_per_layer(**kw, tp=8, recompute=1, sequence_parallel=True)
    assert float(sel_8_sp) == pytest.approx(34 * s * h / 8)
    full = mem.activation_bytes_per_layer(**kw, tp=8, recompute=2, sequence_parallel=False)
    assert float(full) == 2 * s * h


def test_model_states_mixed_precision_adam_and_zero() -> None:
    w, g, o = mem.model_state_bytes(1e9, 8, 0)
    assert float(w + g + o) == 18e9  # 2 + 4 + 12 B/param
    w, g, o = mem.model_state_bytes(1e9, 8, 1)
    assert float(w + g + o) == pytest.approx(2e9 + 4e9 + 12e9 / 8)
    w, g, o = mem.model_state_bytes(1e9, 8, 3)
    assert float(w + g + o) == pytest.approx(18e9 / 8)


def test_inflight_microbatches() -> None:
    assert mem.inflight_microbatches(1, 1, 16) == 1.0
    assert mem.inflight_microbatches(8, 1, 64) == 8.0  # 1F1B: p in flight
    assert mem.inflight_microbatches(8, 1, 4) == 4.0  # fewer micro-batches than stages
    assert mem.inflight_microbatches(8, 2, 64) == pytest.approx(8 * (1 + 7 / 16))


def test_enumeration_respects_the_constraints() -> None:
    m = _gpt()
    c = enumerate_configs(m, 64, seq_len=2048, global_batch_seqs=128)
    assert c.size > 100
    assert np.all(c.tp * c.pp * c.cp * c.dp == 64)
    assert np.all(m.heads % c.tp == 0)
    assert np.all(128 % (c.dp * c.b) == 0)
    inter = c.v > 1
    assert np.all(m.layers % (c.pp[inter] * c.v[inter]) == 0)
    fixed = enumerate_configs(m, 64, seq_len=2048, global_batch_seqs=128, tp=8, pp=2)
    assert fixed.size > 0
    assert set(fixed.tp.tolist()) == {8}
    assert set(fixed.pp.tolist()) == {2}
