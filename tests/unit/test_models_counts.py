"""Parameter, FLOP and KV-cache counts of an MoE + MLA model worked by hand, and count invariants."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from stackplan.models import MLA, ModelArchitecture, MoE


def _tiny_moe_mla(q_lora_rank: int = 8) -> ModelArchitecture:
    return ModelArchitecture(
        name="tiny",
        layers=3,
        hidden_size=16,
        heads=2,
        kv_heads=2,
        head_dim=8,
        ffn_hidden_size=40,
        vocab_size=100,
        moe=MoE(
            experts=4, active_experts=2, shared_experts=1, expert_ffn_hidden_size=6, first_dense_layers=1
        ),
        mla=MLA(
            q_lora_rank=q_lora_rank, kv_lora_rank=4, qk_nope_head_dim=3, qk_rope_head_dim=2, v_head_dim=5
        ),
    )


# Worked by hand (d=16, heads=2, vocab=100, 3 layers: 1 dense + 2 MoE):
#   attention: q_a 16*8=128 + q norm 8 + q_b 8*2*(3+2)=80          = 216
#              kv_a 16*(4+2)=96 + kv norm 4 + kv_b 4*2*(3+5)=64     = 164
#              o 2*5*16 = 160, input norm 16                        -> 556 per layer
#   dense FFN: 3*16*40 = 1920 + norm 16                             -> 1936
#   expert:    3*16*6 = 288
#   MoE block: (4 routed + 1 shared)*288 + router 16*4 + norm 16    -> 1520 total
#              (2 routed + 1 shared)*288 + router 64 + norm 16      -> 944 active
#   embedding 1600 + head 1600 + final norm 16                      -> 3216
ATTENTION = 556
TOTAL = 3216 + 3 * ATTENTION + 1936 + 2 * 1520  # 9860
ACTIVE = 3216 + 3 * ATTENTION + 1936 + 2 * 944  # 8708


def test_mla_attention_params_by_hand() -> None:
    assert _tiny_moe_mla().attention_params_per_layer == ATTENTION
    # without a query down-projection (DeepSeek-V2-Lite): q = 16 * 2 * 5 = 160 instead of 216
    assert _tiny_moe_mla(q_lora_rank=0).attention_params_per_layer == ATTENTION - 216 + 160


def test_moe_mla_totals_by_hand() -> None:
    m = _tiny_moe_mla()
    assert (m.moe_layers, m.dense_layers) == (2, 1)
    assert m.moe_params_per_layer == 1520
    assert m.moe_active_params_per_layer == 944
    assert m.total_params == TOTAL == 9860
    assert m.active_params == ACTIVE == 8708


def test_moe_mla_flops_and_kv_cache_by_hand() -> None:
    m = _tiny_moe_mla()
    # matmul params: active without the 1600-entry embedding lookup = 7108
    assert m.matmul_params_active == 7108
    # forward: 2 * 7108 + attention 2 * L * S * heads * (qk 5 + v 5) = 14216 + 120 S
    assert m.model_flops_per_token_forward(seq_len=10) == pytest.approx(14216 + 1200)
    assert m.model_flops_per_token_training(seq_len=10) == pytest.approx(3 * (14216 + 1200))
    # MLA caches the latent (4) and the rope key (2) per layer
    assert m.kv_cache_elements_per_token() == 3 * 6
    assert m.kv_cache_bytes_per_token(2.0) == 36


def test_shared_expert_of_other_size() -> None:
    m = _tiny_moe_mla()
    assert m.moe is not None
    wide = dataclasses.replace(m, moe=dataclasses.replace(m.moe, shared_expert_ffn_hidden_size=12))
    # the shared expert grows from 3*16*6 to 3*16*12 in both MoE layers, in total and active
    assert wide.total_params - m.total_params == 2 * 3 * 16 * 6
    assert wide.active_params - m.active_params == 2 * 3 * 16 * 6


def test_layernorm_bias_qk_norm_and_positions() -> None:
    base = ModelArchitecture(
        name="t", layers=2, hidden_size=16, heads=2, kv_heads=2, head_dim=8, ffn_hidden_size=32, vocab_size=50
    )
    # LayerNorm bias: 2 norms per layer + final norm, each 16 more
    assert dataclasses.replace(base, norm_bias=True).total_params - base.total_params == 5 * 16
    # QK-norm: gains of head_dim on q and k per layer
    assert dataclasses.replace(base, qk_norm=True).total_params - base.total_params == 2 * 2 * 8
    # learned positions: a 64 x 16 table, not a matmul
    pos = dataclasses.replace(base, position_embeddings=64)
    assert pos.total_params - base.total_params == 64 * 16
    assert pos.matmul_params_active == base.matmul_params_active


# ------------------------------------------------------------------------------------------- properties


@st.composite
def architectures(draw: st.DrawFn) -> ModelArchitecture:
    heads = draw(st.integers(1, 8))
    kv_heads = draw(st.sampled_from([k for k in range(1, heads + 1) if heads % k == 0]))
    layers = draw(st.integers(1, 12))
    moe = None
    if draw(st.booleans()):
        experts = draw(st.integers(1, 16))
        first_dense = draw(st.integers(0, layers - 1))
        moe = MoE(
            experts=experts,
            active_experts=draw(st.integers(1, experts)),
            shared_experts=draw(st.integers(0, 2)),
            expert_ffn_hidden_size=draw(st.integers(1, 64)),
            first_dense_layers=first_dense,
            layer_interval=draw(st.integers(1, max(1, layers - first_dense))),
            shared_expert_ffn_hidden_size=draw(st.none() | st.integers(1, 64)),
        )
    mla = None
    if draw(st.booleans()):
        mla = MLA(
            q_lora_rank=draw(st.integers(0, 32)),
            kv_lora_rank=draw(st.integers(1, 32)),
            qk_nope_head_dim=draw(st.integers(1, 16)),
            qk_rope_head_dim=draw(st.integers(0, 8)),
            v_head_dim=draw(st.integers(1, 16)),
        )
    return ModelArchitecture(
        name="h",
        layers=layers,
        hidden_size=draw(st.integers(1, 64)),
        heads=heads,
        kv_heads=kv_heads,
        head_dim=draw(st.integers(1, 32)),
        ffn_hidden_size=draw(st.integers(1, 128)),
        mlp=draw(st.sampled_from(["gated", "plain"])),
        vocab_size=draw(st.integers(1, 1000)),
        tied_embeddings=draw(st.booleans()),
        moe=moe,
        mla=mla,
        attention_bias=draw(st.booleans()),
        mlp_bias=draw(st.booleans()),
        qk_norm=draw(st.booleans()),
        norm_bias=draw(st.booleans()),
        position_embeddings=draw(st.integers(0, 64)),
    )


@given(architectures())
def test_total_at_least_active(m: ModelArchitecture) -> None:
    assert m.total_params >= m.active_params > 0
    assert m.active_params >= m.matmul_params_active - m.embedding_params


@given(architectures(), st.integers(1, 8))
def test_more_experts_never_lower_total(m: ModelArchitecture, extra: int) -> None:
    if m.moe is None:
        return
    more = dataclasses.replace(m, moe=dataclasses.replace(m.moe, experts=m.moe.experts + extra))
    assert more.total_params >= m.total_params
    # a token still reaches the same experts: active grows only by the wider router
    assert more.active_params - m.active_params == m.moe_layers * m.hidden_size * extra


@given(architectures())
def test_dense_model_active_equals_total(m: ModelArchitecture) -> None:
    dense = dataclasses.replace(m, moe=None)
    assert dense.active_params == dense.total_params
