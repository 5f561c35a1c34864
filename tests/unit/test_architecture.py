"""Parameter counts and FLOPs of architectures, against values worked by hand."""

from __future__ import annotations

import pytest

from stackplan.models import MLA, ModelArchitecture, MoE


def _llama2_7b() -> ModelArchitecture:
    return ModelArchitecture(
        name="t",
        layers=32,
        hidden_size=4096,
        heads=32,
        kv_heads=32,
        head_dim=128,
        ffn_hidden_size=11008,
        vocab_size=32000,
    )


def test_dense_params_by_hand() -> None:
    # per layer: attention 4*4096^2 + norm 4096; MLP 3*4096*11008 + norm 4096
    per_layer = 4 * 4096**2 + 4096 + 3 * 4096 * 11008 + 4096
    expected = 32 * per_layer + 2 * 32000 * 4096 + 4096
    assert _llama2_7b().total_params == expected == 6_738_415_616  # HF reports 6,738,415,616


def test_gqa_reduces_kv_projections() -> None:
    m = ModelArchitecture(
        name="t",
        layers=1,
        hidden_size=1024,
        heads=16,
        kv_heads=4,
        head_dim=64,
        ffn_hidden_size=4096,
        vocab_size=10,
    )
    # q 1024*1024, k and v 1024*256 each, o 1024*1024, norm 1024
    assert m.attention_params_per_layer == 1024 * 1024 * 2 + 2 * 1024 * 256 + 1024


def test_moe_active_vs_total() -> None:
    m = ModelArchitecture(
        name="t",
        layers=4,
        hidden_size=100,
        heads=4,
        kv_heads=4,
        head_dim=25,
        ffn_hidden_size=400,
        vocab_size=1000,
        moe=MoE(experts=8, active_experts=2, expert_ffn_hidden_size=50, layer_interval=2),
    )
    assert m.moe_layers == 2
    assert m.dense_layers == 2
    expert = 3 * 100 * 50
    assert m.total_params - m.active_params == 2 * (8 - 2) * expert


def test_mla_kv_cache_elements_deepseek_v3() -> None:
    # DeepSeek-V3: 61 layers x (kv_lora_rank 512 + rope 64) = 35,136 elements per token
    m = ModelArchitecture(
        name="t",
        layers=61,
        hidden_size=7168,
        heads=128,
        kv_heads=128,
        head_dim=56,
        ffn_hidden_size=18432,
        vocab_size=129280,
        mla=MLA(
            q_lora_rank=1536, kv_lora_rank=512, qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128
        ),
    )
    assert m.kv_cache_elements_per_token() == 61 * 576
    assert m.kv_cache_bytes_per_token(1.0) == 35_136


def test_gqa_kv_cache_bytes_llama31_70b() -> None:
    # 80 layers x 2 (K,V) x 8 kv heads x 128 dims x 2 B = 327,680 B per token in bf16
    m = ModelArchitecture(
        name="t",
        layers=80,
        hidden_size=8192,
        heads=64,
        kv_heads=8,
        head_dim=128,
        ffn_hidden_size=28672,
        vocab_size=128256,
    )
    assert m.kv_cache_bytes_per_token(2.0) == 327_680


def test_training_flops_per_token_palm_convention() -> None:
    m = _llama2_7b()
    seq = 4096
    n_matmul = m.total_params - 32000 * 4096  # embedding lookup is not a matmul
    expected = 6 * n_matmul + 12 * 32 * seq * 4096
    assert m.model_flops_per_token_training(seq) == pytest.approx(expected)
