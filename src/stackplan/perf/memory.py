"""Memory per device during training: weights, gradients, optimizer states and activations.

Pure, vectorised functions (numpy arrays or scalars in, arrays out).

Model states follow Rajbhandari et al. 2020, "ZeRO: Memory Optimizations Toward Training Trillion
Parameter Models", sec. 3.1 (mixed-precision Adam: 2 B bf16 weights + 2 B gradients + 12 B fp32
master weights, momentum and variance = 16 B/param), with Megatron-LM's fp32 gradient accumulation
buffer (4 B gradients, 18 B/param; Korthikanti et al. 2022, sec. 2). ZeRO stage 1 (the Megatron
"distributed optimizer") shards the optimizer states over the data-parallel group, stage 2 also the
gradients and stage 3 (FSDP) also the weights.

Activations follow Korthikanti et al. 2022, "Reducing Activation Recomputation in Large Transformer
Models", arXiv:2205.05198, sec. 4: per layer and micro-batch, with ``s`` tokens, ``b`` sequences,
hidden size ``h``, ``a`` heads and tensor parallelism ``t``,

* no recomputation, sequence parallel:  ``s b h (34/t + 5 a s / (h t))`` bytes
* no recomputation, no sequence parallel: ``s b h (10 + 24/t + 5 a s / (h t))``
* selective recomputation (attention core recomputed): ``34 s b h / t`` (with sequence parallel)
* full recomputation: ``2 s b h`` (the layer input only; ``/t`` with sequence parallel)

These coefficients are for a GPT layer (MHA, 4h GELU MLP, dropout, fp16/bf16). The functions below
derive them term by term so that they also hold for GQA/MLA, gated MLPs, MoE layers, no dropout and
fused (flash) attention, which keeps no ``s^2`` tensors. With ``h = 4096, a = 32, s = 2048, b = 1,
t = 1`` the generic terms reproduce ``34 s b h + 5 a s^2 b`` exactly (see the unit tests).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "ACTIVATION_BYTES",
    "FP8_WEIGHT_CACHE_BYTES_PER_PARAM",
    "FRAGMENTATION_FRACTION",
    "GRADIENT_BYTES_PER_PARAM",
    "OPTIMIZER_BYTES_PER_PARAM",
    "RESERVED_BYTES",
    "WEIGHT_BYTES_PER_PARAM",
    "activation_bytes_per_layer",
    "inflight_microbatches",
    "model_state_bytes",
]

FloatArray = NDArray[np.float64]

#: Bytes per stored activation element (bf16/fp16) [B].
ACTIVATION_BYTES = 2.0
#: bf16 working copy of the weights [B/param].
WEIGHT_BYTES_PER_PARAM = 2.0
#: fp32 gradient accumulation buffer (Megatron-LM ``accumulate_allreduce_grads_in_fp32``) [B/param].
GRADIENT_BYTES_PER_PARAM = 4.0
#: Adam in mixed precision: fp32 master weights, momentum and variance [B/param] (ZeRO paper sec. 3.1).
OPTIMIZER_BYTES_PER_PARAM = 12.0
#: fp8 training keeps an fp8 copy of each weight and of its transpose for the GEMMs
#: (NVIDIA Transformer Engine, ``is_first_microbatch`` weight caching) [B/param].
FP8_WEIGHT_CACHE_BYTES_PER_PARAM = 2.0
#: Memory the framework holds outside the model: CUDA/ROCm context, NCCL buffers, cuBLAS
#: workspaces [B] (about 2-3 GiB measured with PyTorch on H100; PyTorch memory notes).
RESERVED_BYTES = 2.5 * 2**30
#: Allocator fragmentation on top of the live tensors [-] (PyTorch caching allocator; 5-10% is
#: typical in Megatron-LM memory reports).
FRAGMENTATION_FRACTION = 0.07


def model_state_bytes(
    params: ArrayLike,
    shard_group: ArrayLike,
    zero_stage: ArrayLike,
    *,
    fp8: bool = False,
    grad_bytes: float = GRADIENT_BYTES_PER_PARAM,
) -> tuple[FloatArray, FloatArray, FloatArray]:
    """Weights, gradients and optimizer states on one device [B].

    Parameters
    ----------
    params
        Parameters held by the device before any ZeRO sharding (after tensor/pipeline/expert
        splitting) [-].
    shard_group
        Devices the states are sharded over under ZeRO (the data-parallel group, times context
        parallelism) [-].
    zero_stage
        0 (none), 1 (optimizer states; Megatron distributed optimizer), 2 (+ gradients),
        3 (+ weights; FSDP) [-].
    fp8
        fp8 GEMMs: adds :data:`FP8_WEIGHT_CACHE_BYTES_PER_PARAM`.
    grad_bytes
        Bytes per element of the gradient buffer [B/param]: 4 for fp32 accumulation (default,
        :data:`GRADIENT_BYTES_PER_PARAM`), 2 when gradients are accumulated and reduced in bf16
        (Megatron-Core ``grad_reduce_in_fp32=False``, the NeMo default).

    Returns
    -------
    (weights, gradients, optimizer) [B]
    """
    p = np.asarray(params, dtype=np.float64)
    g = np.asarray(shard_group, dtype=np.float64)
    z = np.asarray(zero_stage)
    w_bytes = WEIGHT_BYTES_PER_PARAM + (FP8_WEIGHT_CACHE_BYTES_PER_PARAM if fp8 else 0.0)
    weights = p * w_bytes / np.where(z >= 3, g, 1.0)
    grads = p * grad_bytes / np.where(z >= 2, g, 1.0)
    optim = p * OPTIMIZER_BYTES_PER_PARAM / np.where(z >= 1, g, 1.0)
    return weights, grads, optim


def activation_bytes_per_layer(
    *,
    tokens: ArrayLike,
    hidden: int,
    q_width: int,
    k_width: int,
    v_width: int,
    attn_out_width: int,
    score_elements_per_token: ArrayLike,
    mlp_stored_width: ArrayLike,
    tp: ArrayLike,
    recompute: ArrayLike,
    sequence_parallel: bool,
    dropout: bool,
    flash_attention: bool,
    frozen_mlp_input: bool = False,
) -> FloatArray:
    """Activation memory one transformer layer keeps for one micro-batch [B] (Korthikanti et al. 2022).

    Parameters
    ----------
    tokens
        Tokens of the micro-batch on this device, ``b * s / cp`` [-].
    hidden
        Model width ``h`` [-].
    q_width, k_width, v_width
        Widths of the stored query, key and value tensors (heads x head dim) [-].
    attn_out_width
        Width of the attention output fed to the output projection [-].
    score_elements_per_token
        Elements of one attention-score row per token, ``heads * s`` (only stored without fused
        attention) [-].
    mlp_stored_width
        Width of the MLP tensors kept for the backward pass besides its input: ``2 f`` for a plain
        MLP (activation input and output), ``3 f`` for a gated one; for an MoE layer the routed
        tokens' copies, ``k (h + 3 f_e)``, plus the shared experts [-].
    tp
        Tensor parallelism [-].
    recompute
        0 none, 1 selective (attention core recomputed), 2 full (only the layer input kept) [-].
    sequence_parallel, dropout, flash_attention
        Megatron sequence parallelism; dropout masks stored (1 B per element); fused attention
        (no ``s^2`` tensors, FlashAttention, Dao et al. 2022).
    frozen_mlp_input
        The MLP's first weight is frozen and has no adapter (LoRA on attention only): its input is
        needed for no weight gradient and is not kept (``B h`` per token less; the caller drops the
        activation output from ``mlp_stored_width`` likewise).

    Notes
    -----
    Term by term (bytes per token, ``B = 2`` bytes per element), Korthikanti et al. sec. 4.1:
    attention = ``B h`` (QKV input) + ``B (q + k)`` (for the score product) + ``B v`` + ``B o``
    (output-projection input) + ``h`` (dropout mask) + scores ``(2B + 1) a s`` (softmax output,
    its dropout mask and dropout output; unfused only); MLP = ``B h`` + ``B mlp_stored_width`` + ``h``
    (mask); two norms = ``2 B h``. Without sequence parallelism the norm inputs, the QKV and MLP
    inputs and the masks (``10 h`` bytes) are replicated on every tensor-parallel rank.
    """
    t = np.asarray(tp, dtype=np.float64)
    n = np.asarray(tokens, dtype=np.float64)
    rc = np.asarray(recompute)
    b = ACTIVATION_BYTES
    mask = 1.0 if dropout else 0.0
    # parts that are split by tensor parallelism in any case
    split = b * (q_width + k_width + v_width + attn_out_width) + b * np.asarray(mlp_stored_width)
    # parts split only with sequence parallelism: norm inputs, QKV and MLP inputs, dropout masks
    inputs = 1.0 if frozen_mlp_input else 2.0  # QKV input, MLP input
    replicated = 2 * b * hidden + inputs * b * hidden + 2 * mask * hidden
    if flash_attention:
        scores = np.zeros_like(n)
    else:
        scores = (2 * b + mask) * np.asarray(score_elements_per_token, dtype=np.float64)
    rep_div = t if sequence_parallel else 1.0
    none = n * (split / t + replicated / rep_div + scores / t)
    selective = n * (split / t + replicated / rep_div)
    full = n * b * hidden / rep_div
    return np.where(rc == 0, none, np.where(rc == 1, selective, full))


def inflight_microbatches(pp: ArrayLike, v: ArrayLike, m: ArrayLike) -> FloatArray:
    """Micro-batches whose activations the first pipeline stage holds at once [-].

    1F1B keeps ``min(m, p)`` micro-batches in flight; the interleaved schedule with ``v`` chunks
    per device keeps ``p (1 + (p-1)/(p v))`` (Korthikanti et al. 2022, sec. 4.2.3), measured in
    units of the device's full share of ``L/p`` layers.
    """
    p = np.asarray(pp, dtype=np.float64)
    vv = np.asarray(v, dtype=np.float64)
    mm = np.asarray(m, dtype=np.float64)
    interleaved = p * (1.0 + (p - 1.0) / (p * vv))
    base = np.where(vv > 1, interleaved, p)
    return np.where(p > 1, np.minimum(base, mm * np.where(vv > 1, 1.0 + (p - 1.0) / (p * vv), 1.0)), 1.0)
