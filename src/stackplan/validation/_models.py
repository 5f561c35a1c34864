"""Architectures the inference validation needs that the model catalogue may not hold yet.

Used only as a fallback when the catalogue lacks the id (the ``models`` branch adds them); every
entry is the published ``config.json`` shape with its source.
"""

from __future__ import annotations

from stackplan.errors import UnknownIdError
from stackplan.models import MLA, ModelArchitecture, MoE, resolve_model

__all__ = ["validation_model"]

_FALLBACK: dict[str, ModelArchitecture] = {
    "qwen3-32b": ModelArchitecture(
        name="Qwen3 32B",
        layers=64,
        hidden_size=5120,
        heads=64,
        kv_heads=8,
        head_dim=128,
        ffn_hidden_size=25600,
        vocab_size=151936,
        source="Qwen/Qwen3-32B config.json (Qwen3 technical report, arXiv:2505.09388)",
    ),
    "qwen3-235b-a22b": ModelArchitecture(
        name="Qwen3 235B-A22B",
        layers=94,
        hidden_size=4096,
        heads=64,
        kv_heads=4,
        head_dim=128,
        ffn_hidden_size=12288,
        vocab_size=151936,
        moe=MoE(experts=128, active_experts=8, expert_ffn_hidden_size=1536),
        source="Qwen/Qwen3-235B-A22B config.json (arXiv:2505.09388)",
    ),
    "llama-3.3-70b": ModelArchitecture(
        name="Llama 3.3 70B",
        layers=80,
        hidden_size=8192,
        heads=64,
        kv_heads=8,
        head_dim=128,
        ffn_hidden_size=28672,
        vocab_size=128256,
        source="meta-llama/Llama-3.3-70B-Instruct config.json",
    ),
    "llama-4-maverick": ModelArchitecture(
        name="Llama 4 Maverick 17B-128E",
        layers=48,
        hidden_size=5120,
        heads=40,
        kv_heads=8,
        head_dim=128,
        ffn_hidden_size=16384,
        vocab_size=202048,
        moe=MoE(
            experts=128, active_experts=1, shared_experts=1, expert_ffn_hidden_size=8192, layer_interval=2
        ),
        source="meta-llama/Llama-4-Maverick-17B-128E config.json (interleave_moe_layer_step 2)",
    ),
    "deepseek-v3": ModelArchitecture(
        name="DeepSeek-V3",
        layers=61,
        hidden_size=7168,
        heads=128,
        kv_heads=128,
        head_dim=128,
        ffn_hidden_size=18432,
        vocab_size=129280,
        moe=MoE(
            experts=256, active_experts=8, shared_experts=1, expert_ffn_hidden_size=2048, first_dense_layers=3
        ),
        mla=MLA(
            q_lora_rank=1536, kv_lora_rank=512, qk_nope_head_dim=128, qk_rope_head_dim=64, v_head_dim=128
        ),
        source="deepseek-ai/DeepSeek-V3 config.json; DeepSeek-V3 technical report arXiv:2412.19437",
    ),
}


def validation_model(model_id: str) -> ModelArchitecture:
    """The catalogue architecture of ``model_id``, or the fallback above when the catalogue lacks it."""
    try:
        return resolve_model(model_id)
    except UnknownIdError:
        if model_id in _FALLBACK:
            return _FALLBACK[model_id]
        raise
