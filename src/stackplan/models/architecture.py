"""Transformer architectures and the counts derived from them.

A :class:`ModelArchitecture` is the shape of a decoder-only transformer: dense or
mixture-of-experts (MoE), with multi-head, grouped-query or multi-head latent attention (MLA).
Everything else in Stackplan (parameter counts, FLOPs, memory, KV cache) is derived from it by
the pure functions and properties below.

Conventions
-----------
* Parameter counts include embeddings, the output head (unless tied), norms and router weights.
* "Matmul parameters" are those that take part in a matrix multiply per token: everything except
  the input embedding table (a lookup) and norm gains.
* Model FLOPs per token follow Chowdhery et al. 2022 (PaLM), App. B: ``6 N + 6 * 2 * L * S * d_attn``
  for training (forward + backward), counting the attention score and value products over the full
  sequence (no causal halving), as Megatron-LM and PaLM report them.

References
----------
Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
Megatron-LM", SC 2021. Chowdhery et al., "PaLM", arXiv:2204.02311, App. B. DeepSeek-AI,
"DeepSeek-V2", arXiv:2405.04434, sec. 2.1 (MLA).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

__all__ = ["MLA", "LocalAttention", "MoE", "ModelArchitecture"]

MlpKind = Literal["gated", "plain"]


@dataclass(frozen=True, kw_only=True)
class MoE:
    """Mixture-of-experts feed-forward layers.

    Parameters
    ----------
    experts
        Routed experts per MoE layer [-].
    active_experts
        Routed experts each token is sent to (top-k) [-].
    shared_experts
        Experts every token passes through, each of ``expert_ffn_hidden_size`` [-].
    expert_ffn_hidden_size
        Intermediate size of one expert [-].
    first_dense_layers
        Leading layers that use a dense FFN of ``ffn_hidden_size`` instead of experts [-].
    layer_interval
        Every ``layer_interval``-th layer after the dense ones is an MoE layer; the others are
        dense (1 = all of them; Llama 4 Maverick uses 2) [-].
    shared_expert_ffn_hidden_size
        Intermediate size of one shared expert when it differs from the routed experts
        (Qwen2-MoE: 5632 vs 1408); ``None`` = ``expert_ffn_hidden_size`` [-].
    weight_format
        Format of the routed-expert weights in the publisher's 4-bit checkpoint, whose other
        weights stay bf16: ``mxfp4`` (gpt-oss: E2M1 values with one E8M0 scale per 32, OCP
        Microscaling Formats v1.0), served at ``fp4``; ``int4`` (Kimi K2.5: INT4 weight-only with one
        bf16 scale per 32, compressed-tensors), served at ``int4``. ``None``: ``fp4`` means NVFP4 and
        ``int4`` INT4 weight-only for every weight.
    """

    experts: int
    active_experts: int
    shared_experts: int = 0
    expert_ffn_hidden_size: int
    first_dense_layers: int = 0
    layer_interval: int = 1
    shared_expert_ffn_hidden_size: int | None = None
    weight_format: Literal["mxfp4", "int4"] | None = None


@dataclass(frozen=True, kw_only=True)
class MLA:
    """Multi-head latent attention (DeepSeek-V2/V3), per DeepSeek-V2 sec. 2.1.

    ``q_lora_rank`` of 0 means queries are projected directly (DeepSeek-V2-Lite).
    """

    q_lora_rank: int
    kv_lora_rank: int
    qk_nope_head_dim: int
    qk_rope_head_dim: int
    v_head_dim: int


@dataclass(frozen=True, kw_only=True)
class LocalAttention:
    """Attention layers that see only a local window of the context.

    Parameters
    ----------
    kind
        ``chunked``: a query attends to the earlier tokens of its own chunk of ``window`` tokens
        (positions ``floor(p / window) * window`` to ``p``; Llama 4 "iRoPE" layers); ``sliding``:
        to the last ``window`` tokens (Mistral, Gemma 2/3, gpt-oss).
    window
        Chunk or window length [tokens].
    global_every
        Every ``global_every``-th layer attends to the whole context, the others locally
        (Llama 4: 4, its NoPE layers; 0 = every layer is local) [-].
    """

    kind: Literal["chunked", "sliding"]
    window: int
    global_every: int = 0

    def local_layers(self, layers: int) -> int:
        """Layers of a ``layers``-deep model that attend locally [-]."""
        if self.global_every <= 0:
            return layers
        return layers - layers // self.global_every


@dataclass(frozen=True, kw_only=True)
class ModelArchitecture:
    """A decoder-only transformer.

    Parameters
    ----------
    name
        Display name.
    layers
        Transformer blocks [-].
    hidden_size
        Model width d [-].
    heads
        Attention (query) heads [-].
    kv_heads
        Key/value heads (= heads for MHA, fewer for GQA) [-].
    head_dim
        Width of one head [-].
    ffn_hidden_size
        Intermediate size of the dense feed-forward block [-].
    mlp
        ``gated`` (SwiGLU: three matrices) or ``plain`` (GELU: two matrices).
    vocab_size
        Tokens in the vocabulary [-].
    tied_embeddings
        Output head shares the input embedding matrix.
    moe, mla
        Optional mixture-of-experts and latent-attention settings.
    local_attention
        Optional chunked or sliding-window attention in some or all layers (:class:`LocalAttention`);
        ``None``: every layer attends to the whole context.
    attention_bias, mlp_bias
        Attention (Q, K, V and output) and MLP linear layers carry biases (GPT-2, GPT-NeoX).
    qkv_bias
        Only the Q, K and V projections carry biases (Qwen2, Qwen2-MoE).
    qk_norm
        RMSNorm with a gain of ``head_dim`` on queries and on keys, shared across heads (Qwen3);
        adds ``2 * head_dim`` parameters per layer. A weightless L2 norm (Llama 4) is ``False``.
    norm_bias
        Norms are LayerNorms with a bias (GPT-2, GPT-NeoX): ``2 d`` parameters instead of ``d``.
    position_embeddings
        Rows of a learned absolute position-embedding table (GPT-2: 1024; 0 for RoPE models)
        [positions]. A lookup, so not counted as matmul parameters.

    Not modelled (below 0.01% of any catalogue model): router biases (DeepSeek-V3
    ``e_score_correction_bias``), the Qwen2-MoE shared-expert gate (``d`` per layer), MTP modules
    (DeepSeek-V3's 14B next-token-prediction module, which its published 671B excludes).
    """

    name: str
    layers: int
    hidden_size: int
    heads: int
    kv_heads: int
    head_dim: int
    ffn_hidden_size: int
    mlp: MlpKind = "gated"
    vocab_size: int
    tied_embeddings: bool = False
    moe: MoE | None = None
    mla: MLA | None = None
    local_attention: LocalAttention | None = None
    attention_bias: bool = False
    mlp_bias: bool = False
    qkv_bias: bool = False
    qk_norm: bool = False
    norm_bias: bool = False
    position_embeddings: int = 0
    source: str = field(default="", compare=False)

    # ------------------------------------------------------------------ layer layout
    @property
    def moe_layers(self) -> int:
        """Number of MoE layers [-]."""
        if self.moe is None:
            return 0
        return (self.layers - self.moe.first_dense_layers) // self.moe.layer_interval

    @property
    def dense_layers(self) -> int:
        """Number of layers with a dense FFN [-]."""
        return self.layers - self.moe_layers

    # ------------------------------------------------------------------ per-block counts
    @property
    def norm_params(self) -> int:
        """Weights of one norm over the model width: ``d`` (RMSNorm) or ``2 d`` (LayerNorm) [-]."""
        return 2 * self.hidden_size if self.norm_bias else self.hidden_size

    @property
    def attention_params_per_layer(self) -> int:
        """Weights of one attention block, including its input norm [-]."""
        d = self.hidden_size
        if self.mla is not None:
            m = self.mla
            qk = m.qk_nope_head_dim + m.qk_rope_head_dim
            if m.q_lora_rank:
                q = d * m.q_lora_rank + m.q_lora_rank + m.q_lora_rank * self.heads * qk
            else:
                q = d * self.heads * qk
            kv = (
                d * (m.kv_lora_rank + m.qk_rope_head_dim)
                + m.kv_lora_rank
                + m.kv_lora_rank * self.heads * (m.qk_nope_head_dim + m.v_head_dim)
            )
            o = self.heads * m.v_head_dim * d
            return q + kv + o + self.norm_params
        q = d * self.heads * self.head_dim
        kv = 2 * d * self.kv_heads * self.head_dim
        o = self.heads * self.head_dim * d
        bias = 0
        if self.attention_bias or self.qkv_bias:
            bias += (self.heads + 2 * self.kv_heads) * self.head_dim
        if self.attention_bias:
            bias += d
        qk_norm = 2 * self.head_dim if self.qk_norm else 0
        return q + kv + o + bias + qk_norm + self.norm_params

    def _mlp_params(self, ffn: int) -> int:
        d = self.hidden_size
        mats = 3 if self.mlp == "gated" else 2
        bias = (ffn * (mats - 1) + d) if self.mlp_bias else 0
        return mats * d * ffn + bias

    @property
    def dense_mlp_params_per_layer(self) -> int:
        """Weights of one dense feed-forward block, including its input norm [-]."""
        return self._mlp_params(self.ffn_hidden_size) + self.norm_params

    @property
    def expert_params(self) -> int:
        """Weights of one routed expert [-]."""
        if self.moe is None:
            return 0
        return self._mlp_params(self.moe.expert_ffn_hidden_size)

    @property
    def shared_expert_params(self) -> int:
        """Weights of one shared expert [-]."""
        if self.moe is None:
            return 0
        size = self.moe.shared_expert_ffn_hidden_size or self.moe.expert_ffn_hidden_size
        return self._mlp_params(size)

    def _moe_block_params(self, routed_experts: int) -> int:
        m = self.moe
        assert m is not None
        router = self.hidden_size * m.experts
        return (
            routed_experts * self.expert_params
            + m.shared_experts * self.shared_expert_params
            + router
            + self.norm_params
        )

    @property
    def moe_params_per_layer(self) -> int:
        """Weights of one MoE block (all experts, shared experts, router, norm) [-]."""
        return 0 if self.moe is None else self._moe_block_params(self.moe.experts)

    @property
    def moe_active_params_per_layer(self) -> int:
        """Weights of one MoE block a single token touches (top-k and shared experts, router, norm) [-]."""
        return 0 if self.moe is None else self._moe_block_params(self.moe.active_experts)

    # ------------------------------------------------------------------ totals
    @property
    def embedding_params(self) -> int:
        """Input (token) embedding table [-]."""
        return self.vocab_size * self.hidden_size

    @property
    def position_embedding_params(self) -> int:
        """Learned absolute position-embedding table (0 for rotary models) [-]."""
        return self.position_embeddings * self.hidden_size

    @property
    def head_params(self) -> int:
        """Output projection (0 when tied to the embedding) [-]."""
        return 0 if self.tied_embeddings else self.vocab_size * self.hidden_size

    def _params(self, moe_block: int) -> int:
        return (
            self.embedding_params
            + self.position_embedding_params
            + self.head_params
            + self.norm_params  # final norm
            + self.layers * self.attention_params_per_layer
            + self.dense_layers * self.dense_mlp_params_per_layer
            + self.moe_layers * moe_block
        )

    @property
    def total_params(self) -> int:
        """All parameters [-]: embeddings, output head (unless tied), norms, attention, FFNs, routers."""
        return self._params(self.moe_params_per_layer)

    @property
    def active_params(self) -> int:
        """Parameters a token touches (= total for a dense model) [-].

        ``total_params`` with each MoE block reduced to its top-k routed experts, its shared
        experts, router and norm. Includes the input embedding and the output head.
        """
        return self._params(self.moe_active_params_per_layer)

    @property
    def matmul_params_active(self) -> int:
        """Active parameters that take part in a matrix multiply per token [-].

        Excludes the input token and position embedding lookups; the output head counts even
        when tied.
        """
        return (
            self.active_params
            - self.embedding_params
            - self.position_embedding_params
            + (self.embedding_params if self.tied_embeddings else 0)
        )

    @property
    def is_moe(self) -> bool:
        return self.moe is not None

    # ------------------------------------------------------------------ attention shapes
    @property
    def qk_head_dim(self) -> int:
        """Width of one query/key head used in the score product [-]."""
        if self.mla is not None:
            return self.mla.qk_nope_head_dim + self.mla.qk_rope_head_dim
        return self.head_dim

    @property
    def v_head_dim(self) -> int:
        """Width of one value head [-]."""
        return self.mla.v_head_dim if self.mla is not None else self.head_dim

    def kv_cache_elements_per_token(self) -> int:
        """KV-cache elements stored per token over all layers [-].

        MHA/GQA store K and V for every KV head: ``2 * kv_heads * head_dim``. MLA stores the
        compressed latent plus the decoupled RoPE key: ``kv_lora_rank + qk_rope_head_dim``
        (DeepSeek-V2 sec. 2.1.4, Table 1).
        """
        if self.mla is not None:
            per_layer = self.mla.kv_lora_rank + self.mla.qk_rope_head_dim
        else:
            per_layer = 2 * self.kv_heads * self.head_dim
        return self.layers * per_layer

    def kv_cache_bytes_per_token(self, bytes_per_element: float) -> float:
        """KV-cache bytes per token [B] at a given element width [B] (2 for bf16, 1 for fp8)."""
        return self.kv_cache_elements_per_token() * bytes_per_element

    # ------------------------------------------------------------------ FLOPs
    def attention_flops_per_token_forward(self, seq_len: int) -> float:
        """Forward FLOPs per token of the score (QK^T) and value (AV) products [FLOP].

        ``2 * L * S * heads * (d_qk + d_v)``, over the full sequence of length ``S`` (no causal
        halving, the PaLM/Megatron reporting convention).
        """
        return 2.0 * self.layers * seq_len * self.heads * (self.qk_head_dim + self.v_head_dim)

    def model_flops_per_token_forward(self, seq_len: int) -> float:
        """Forward model FLOPs per token [FLOP]: ``2 N_matmul + attention``."""
        return 2.0 * self.matmul_params_active + self.attention_flops_per_token_forward(seq_len)

    def model_flops_per_token_training(self, seq_len: int) -> float:
        """Training model FLOPs per token (forward + backward = 3x forward) [FLOP]."""
        return 3.0 * self.model_flops_per_token_forward(seq_len)
