"""LoRA adapter placement and packed-sequence attention: hand-worked values."""

from __future__ import annotations

import numpy as np
import pytest

from stackplan.errors import InvalidInputError
from stackplan.models.loader import resolve_model
from stackplan.perf import memory as mem
from stackplan.perf.prediction import predict_training
from stackplan.perf.training import model_flops_per_token, packed_attention_work_ratio


def test_packed_attention_ratio_hand_worked() -> None:
    # 200-token documents: n = 2 blocks of 128, 3 blocks computed, 3 * 128^2 / 200 = 245.76 keys per
    # query; 4,096-token sequence: n = 32, 528 blocks, 528 * 128^2 / 4096 = 2112 keys per query.
    assert packed_attention_work_ratio(200, 4096) == pytest.approx(245.76 / 2112.0, rel=1e-12)
    assert packed_attention_work_ratio(4096, 4096) == pytest.approx(1.0)
    assert packed_attention_work_ratio(10_000, 4096) == pytest.approx(1.0)  # longer than the sequence


def test_lora_qkv_flops_hand_worked() -> None:
    arch = resolve_model("llama-2-7b")
    s, r = 4096, 32
    h = 4096
    full = arch.model_flops_per_token_training(s)
    # adapters on the fused QKV only (MHA: 3h outputs, h inputs): 6 r (3h + h) per layer
    expected = full - 2.0 * arch.matmul_params_active + 6.0 * r * arch.layers * (3 * h + h)
    assert model_flops_per_token(arch, s, lora_rank=r, lora_targets="qkv") == pytest.approx(expected)
    assert model_flops_per_token(arch, s, lora_rank=r, lora_targets="all") > expected


def test_frozen_mlp_input_not_stored() -> None:
    kw = {
        "tokens": 1000.0,
        "hidden": 64,
        "q_width": 64,
        "k_width": 64,
        "v_width": 64,
        "attn_out_width": 64,
        "score_elements_per_token": 0.0,
        "mlp_stored_width": 3 * 256,
        "tp": 1,
        "recompute": np.array([0]),
        "sequence_parallel": True,
        "dropout": False,
        "flash_attention": True,
    }
    full = mem.activation_bytes_per_layer(**kw)  # type: ignore[arg-type]
    frozen = mem.activation_bytes_per_layer(**kw, frozen_mlp_input=True)  # type: ignore[arg-type]
    # one hidden-size bf16 tensor per token less: 1000 tokens * 64 * 2 B
    assert float(full[0] - frozen[0]) == pytest.approx(1000 * 64 * 2)


def test_lora_targets_and_documents_speed_up_and_validate() -> None:
    base = {
        "seq_len": 4096,
        "global_batch_seqs": 32,
        "precision": "fp8",
        "tp": 1,
        "pp": 1,
        "dp": 8,
        "lora_rank": 32,
    }
    all_w = predict_training("llama-2-7b", "h100-sxm", 8, **base)  # type: ignore[arg-type]
    qkv = predict_training("llama-2-7b", "h100-sxm", 8, lora_targets="qkv", **base)  # type: ignore[arg-type]
    packed = predict_training(
        "llama-2-7b",
        "h100-sxm",
        8,
        lora_targets="qkv",
        document_tokens=200,
        **base,  # type: ignore[arg-type]
    )
    assert qkv.step_time_s < all_w.step_time_s
    assert packed.step_time_s < qkv.step_time_s
    assert packed.model_flops_per_token == qkv.model_flops_per_token  # full-sequence FLOP convention
    with pytest.raises(InvalidInputError, match="lora-targets"):
        predict_training("llama-2-7b", "h100-sxm", 8, lora_targets="mlp", **base)  # type: ignore[arg-type]
    with pytest.raises(InvalidInputError, match="document-tokens"):
        predict_training("llama-2-7b", "h100-sxm", 8, document_tokens=0, **base)  # type: ignore[arg-type]
