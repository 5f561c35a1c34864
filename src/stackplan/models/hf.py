"""Import of Hugging Face ``config.json`` files into :class:`ModelArchitecture`.

Only the parsed JSON the user already has is read; nothing is downloaded. Each supported
``model_type`` maps the Transformers configuration keys onto the architecture; a key the mapping
needs and the file lacks is an error naming the key, unless the Transformers configuration class
has a default for it, which is then used (listed per family below).

Supported ``model_type`` values and what they imply:

* ``llama``, ``mistral``: gated (SwiGLU) MLP, RMSNorm, rotary positions; ``attention_bias`` and
  ``mlp_bias`` keys (default false); a Mistral ``sliding_window`` makes every layer attend to the
  last ``sliding_window`` tokens (``local_attention`` of kind ``sliding``).
* ``qwen2``: as Llama, with biases on the Q, K, V projections.
* ``qwen3``: as Llama, with QK-norm (RMSNorm gains of ``head_dim`` on queries and keys).
* ``mixtral``: every layer an MoE of ``num_local_experts`` experts of ``intermediate_size``.
* ``qwen2_moe``, ``qwen3_moe``: MoE of ``num_experts`` experts of ``moe_intermediate_size`` every
  ``decoder_sparse_step`` layers; Qwen2-MoE adds one shared expert of
  ``shared_expert_intermediate_size`` (its one-output gate, ``d`` per layer, is not counted).
* ``deepseek_v2``, ``deepseek_v3``: multi-head latent attention and DeepSeekMoE
  (``first_k_dense_replace`` dense layers, ``n_shared_experts``). MTP modules
  (``num_nextn_predict_layers``) are not part of the architecture, as in DeepSeek's 671B.
* ``llama4`` (reads ``text_config``) and ``llama4_text``: MoE with one shared expert every
  ``interleave_moe_layer_step`` layers; dense layers use ``intermediate_size_mlp``. The vision
  encoder is not part of the (text) architecture.
* ``gpt_oss``: every layer an MoE of ``num_local_experts`` experts of ``intermediate_size`` with
  biases (``attention_bias`` default true); ``layer_types`` (default: sliding and full attention
  alternating, sliding first) gives the layers that attend to the last ``sliding_window`` tokens,
  which must be all of them or all but every ``n``-th; ``quantization_config.quant_method`` ``mxfp4``
  (the published checkpoints) marks MXFP4 experts (``MoE.weight_format``). Attention sinks (one
  logit per head) are not counted.
* ``gpt2``: plain GELU MLP of ``n_inner`` (default ``4 n_embd``), LayerNorm, biases, learned
  positions (``n_positions``), tied output head.
* ``gpt_neox``: plain GELU MLP, LayerNorm, biases, rotary positions, untied output head.

References: the Transformers configuration classes (``LlamaConfig``, ``MixtralConfig``,
``Qwen2MoeConfig``, ``DeepseekV3Config``, ``Llama4TextConfig``, ``GptOssConfig``, ``GPT2Config``, ``GPTNeoXConfig``).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from pathlib import PurePath
from typing import Any

from stackplan.errors import InputError, InputProblem, InvalidInputError
from stackplan.models.architecture import MLA, LocalAttention, ModelArchitecture, MoE

__all__ = ["SUPPORTED_MODEL_TYPES", "load_hf_config"]

_FIX_MISSING = (
    "add it from the model's published config.json, or describe the model in a Stackplan model file"
)


class _Config:
    """Typed, error-reporting access to one config mapping."""

    def __init__(self, data: Mapping[str, Any], where: str) -> None:
        self.data = data
        self.where = where

    def _field(self, key: str) -> str:
        return f"{self.where}: {key}"

    def integer(self, key: str, default: int | None = None, *, minimum: int = 1) -> int:
        value = self.data.get(key)
        if value is None:
            if default is None:
                raise InputError(
                    InputProblem(self._field(key), "required key is missing", None, _FIX_MISSING)
                )
            return default
        if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
            raise InvalidInputError(
                self._field(key),
                f"must be an integer >= {minimum}",
                repr(value),
                "correct the value in config.json",
            )
        return int(value)

    def flag(self, key: str, default: bool) -> bool:
        value = self.data.get(key, default)
        if value is None:
            return default
        if not isinstance(value, bool):
            raise InvalidInputError(
                self._field(key), "must be true or false", repr(value), "correct it in config.json"
            )
        return value

    def layer_list(self, key: str) -> list[int]:
        value = self.data.get(key)
        if value is None:
            return []
        if not isinstance(value, list) or not all(
            isinstance(v, int) and not isinstance(v, bool) for v in value
        ):
            raise InvalidInputError(self._field(key), "must be a list of layer indices", repr(value))
        return list(value)


def _name(data: Mapping[str, Any], where: str) -> str:
    name = data.get("_name_or_path")
    return str(name) if name else PurePath(where).stem


def _attention(c: _Config) -> dict[str, Any]:
    """Layer count, width and (GQA) attention shape shared by the Llama-like families."""
    hidden = c.integer("hidden_size")
    heads = c.integer("num_attention_heads")
    kv_heads = c.integer("num_key_value_heads", heads)
    if heads % kv_heads:
        raise InvalidInputError(
            f"{c.where}: num_key_value_heads",
            f"must divide num_attention_heads ({heads})",
            kv_heads,
            "correct the value in config.json",
        )
    if "head_dim" not in c.data and hidden % heads:
        raise InvalidInputError(
            f"{c.where}: hidden_size",
            f"is not a multiple of num_attention_heads ({heads}) and head_dim is not given",
            hidden,
            "add head_dim to config.json",
        )
    return {
        "layers": c.integer("num_hidden_layers"),
        "hidden_size": hidden,
        "heads": heads,
        "kv_heads": kv_heads,
        "head_dim": c.integer("head_dim", hidden // heads),
        "vocab_size": c.integer("vocab_size"),
    }


def _check_sparse_layout(c: _Config, layers: int, step: int, first_dense: int = 0) -> None:
    """Reject explicit MoE layer lists that a periodic layout cannot express."""
    dense_only = c.layer_list("mlp_only_layers")
    if dense_only and dense_only != list(range(len(dense_only))):
        raise InvalidInputError(
            f"{c.where}: mlp_only_layers",
            "only a leading run of dense layers (0, 1, ..., k-1) is supported",
            dense_only,
            "describe the model in a Stackplan model file with moe.first_dense_layers",
        )
    explicit = c.layer_list("moe_layers")
    if explicit:
        expected = list(range(first_dense + step - 1, layers, step))
        if explicit != expected:
            raise InvalidInputError(
                f"{c.where}: moe_layers",
                f"only every {step}-th layer from layer {first_dense + step - 1} is supported",
                explicit,
                "describe the model in a Stackplan model file",
            )


def _dense(c: _Config, **details: Any) -> ModelArchitecture:
    """A Llama-like decoder: ``_attention`` shape, ``intermediate_size`` FFN, untied unless stated."""
    return ModelArchitecture(
        name="",
        **_attention(c),
        ffn_hidden_size=c.integer("intermediate_size"),
        tied_embeddings=c.flag("tie_word_embeddings", False),
        **details,
    )


def _llama(c: _Config) -> ModelArchitecture:
    return _dense(c, attention_bias=c.flag("attention_bias", False), mlp_bias=c.flag("mlp_bias", False))


def _mistral(c: _Config) -> ModelArchitecture:
    # MistralConfig.sliding_window: every layer attends to the last W tokens (Mistral 7B v0.1: 4,096;
    # null from v0.2 on, i.e. full attention)
    window = c.data.get("sliding_window")
    local = (
        LocalAttention(kind="sliding", window=c.integer("sliding_window"), global_every=0) if window else None
    )
    return _dense(c, local_attention=local)


def _mixtral(c: _Config) -> ModelArchitecture:
    moe = MoE(
        experts=c.integer("num_local_experts"),
        active_experts=c.integer("num_experts_per_tok"),
        expert_ffn_hidden_size=c.integer("intermediate_size"),
    )
    return _dense(c, moe=moe)


def _qwen_moe(c: _Config, *, qwen3: bool) -> ModelArchitecture:
    shape = _attention(c)
    step = c.integer("decoder_sparse_step", 1)
    _check_sparse_layout(c, shape["layers"], step)
    shared_ffn = 0 if qwen3 else c.integer("shared_expert_intermediate_size", 0, minimum=0)
    return ModelArchitecture(
        name="",
        **shape,
        ffn_hidden_size=c.integer("intermediate_size"),
        tied_embeddings=c.flag("tie_word_embeddings", False),
        qkv_bias=not qwen3,
        qk_norm=qwen3,
        moe=MoE(
            experts=c.integer("num_experts"),
            active_experts=c.integer("num_experts_per_tok"),
            expert_ffn_hidden_size=c.integer("moe_intermediate_size"),
            shared_experts=1 if shared_ffn else 0,
            shared_expert_ffn_hidden_size=shared_ffn or None,
            first_dense_layers=len(c.layer_list("mlp_only_layers")),
            layer_interval=step,
        ),
    )


def _deepseek(c: _Config) -> ModelArchitecture:
    hidden = c.integer("hidden_size")
    heads = c.integer("num_attention_heads")
    layers = c.integer("num_hidden_layers")
    first_dense = c.integer("first_k_dense_replace", 0, minimum=0)
    step = c.integer("moe_layer_freq", 1)
    return ModelArchitecture(
        name="",
        layers=layers,
        hidden_size=hidden,
        heads=heads,
        kv_heads=heads,  # MLA: every head has its own (decompressed) key and value
        head_dim=hidden // heads,  # unused by MLA counts; the model-file default
        ffn_hidden_size=c.integer("intermediate_size"),
        vocab_size=c.integer("vocab_size"),
        tied_embeddings=c.flag("tie_word_embeddings", False),
        moe=MoE(
            experts=c.integer("n_routed_experts"),
            active_experts=c.integer("num_experts_per_tok"),
            shared_experts=c.integer("n_shared_experts", 0, minimum=0),
            expert_ffn_hidden_size=c.integer("moe_intermediate_size"),
            first_dense_layers=first_dense,
            layer_interval=step,
        ),
        mla=MLA(
            q_lora_rank=c.integer("q_lora_rank", 0, minimum=0),
            kv_lora_rank=c.integer("kv_lora_rank"),
            qk_nope_head_dim=c.integer("qk_nope_head_dim"),
            qk_rope_head_dim=c.integer("qk_rope_head_dim", 0, minimum=0),
            v_head_dim=c.integer("v_head_dim"),
        ),
    )


def _llama4_text(c: _Config) -> ModelArchitecture:
    shape = _attention(c)
    step = c.integer("interleave_moe_layer_step", 1)
    _check_sparse_layout(c, shape["layers"], step)
    return ModelArchitecture(
        name="",
        **shape,
        ffn_hidden_size=c.integer("intermediate_size_mlp"),
        tied_embeddings=c.flag("tie_word_embeddings", False),
        attention_bias=c.flag("attention_bias", False),
        moe=MoE(
            experts=c.integer("num_local_experts"),
            active_experts=c.integer("num_experts_per_tok"),
            shared_experts=1,  # every Llama 4 MoE layer has one shared expert (Llama4TextMoe)
            expert_ffn_hidden_size=c.integer("intermediate_size"),
            layer_interval=step,
        ),
        # Llama4TextAttention: layers with RoPE attend within chunks of attention_chunk_size
        # tokens; every no_rope_layer_interval-th layer (NoPE) attends to the whole context.
        local_attention=(
            LocalAttention(
                kind="chunked",
                window=c.integer("attention_chunk_size"),
                global_every=c.integer("no_rope_layer_interval", 4),
            )
            if c.data.get("attention_chunk_size") is not None
            else None
        ),
    )


def _sliding_layout(c: _Config, layers: int) -> LocalAttention | None:
    """The sliding-window layers of ``layer_types`` as a :class:`LocalAttention` (``None``: none).

    Transformers' default for gpt-oss (``GptOssConfig``) alternates sliding and full attention,
    sliding first. A layout other than "all sliding" or "full every ``n``-th layer" is an error.
    """
    window = c.integer("sliding_window")
    types = c.data.get("layer_types")
    if types is None:
        types = ["sliding_attention" if (i + 1) % 2 else "full_attention" for i in range(layers)]
    allowed = {"sliding_attention", "full_attention"}
    if not isinstance(types, list) or len(types) != layers or not set(types) <= allowed:
        raise InvalidInputError(
            f"{c.where}: layer_types",
            f"must list {layers} entries, each 'sliding_attention' or 'full_attention'",
            repr(types),
            "correct it in config.json",
        )
    full = [i for i, t in enumerate(types) if t == "full_attention"]
    if not full:
        return LocalAttention(kind="sliding", window=window, global_every=0)
    if len(full) == layers:
        return None
    every = full[0] + 1
    if full != list(range(every - 1, layers, every)):
        raise InvalidInputError(
            f"{c.where}: layer_types",
            "only full attention in every n-th layer (the others sliding) is supported",
            repr(types),
            "describe the model in a Stackplan model file with local_attention",
        )
    return LocalAttention(kind="sliding", window=window, global_every=every)


def _quant_method(c: _Config) -> str | None:
    """``quantization_config.quant_method`` of a quantised checkpoint's config (``None``: not quantised)."""
    q = c.data.get("quantization_config")
    method = q.get("quant_method") if isinstance(q, Mapping) else None
    return str(method).lower() if method is not None else None


def _gpt_oss(c: _Config) -> ModelArchitecture:
    shape = _attention(c)
    return ModelArchitecture(
        name="",
        **shape,
        ffn_hidden_size=c.integer("intermediate_size"),
        tied_embeddings=c.flag("tie_word_embeddings", False),
        attention_bias=c.flag("attention_bias", True),
        mlp_bias=True,  # GptOssExperts: gate_up_proj_bias and down_proj_bias
        moe=MoE(
            experts=c.integer("num_local_experts"),
            active_experts=c.integer("num_experts_per_tok"),
            expert_ffn_hidden_size=c.integer("intermediate_size"),
            weight_format="mxfp4" if _quant_method(c) == "mxfp4" else None,
        ),
        local_attention=_sliding_layout(c, shape["layers"]),
    )


def _gpt2(c: _Config) -> ModelArchitecture:
    hidden = c.integer("n_embd")
    heads = c.integer("n_head")
    if hidden % heads:
        raise InvalidInputError(f"{c.where}: n_embd", f"must be a multiple of n_head ({heads})", hidden)
    return ModelArchitecture(
        name="",
        layers=c.integer("n_layer"),
        hidden_size=hidden,
        heads=heads,
        kv_heads=heads,
        head_dim=hidden // heads,
        ffn_hidden_size=c.integer("n_inner", 4 * hidden),
        mlp="plain",
        vocab_size=c.integer("vocab_size"),
        tied_embeddings=c.flag("tie_word_embeddings", True),
        attention_bias=True,
        mlp_bias=True,
        norm_bias=True,
        position_embeddings=c.integer("n_positions"),
    )


def _gpt_neox(c: _Config) -> ModelArchitecture:
    return _dense(
        c, mlp="plain", attention_bias=c.flag("attention_bias", True), mlp_bias=True, norm_bias=True
    )


_FAMILIES: dict[str, Callable[[_Config], ModelArchitecture]] = {
    "llama": _llama,
    "mistral": _mistral,
    "mixtral": _mixtral,
    "qwen2": lambda c: _dense(c, qkv_bias=True),
    "qwen2_moe": lambda c: _qwen_moe(c, qwen3=False),
    "qwen3": lambda c: _dense(c, attention_bias=c.flag("attention_bias", False), qk_norm=True),
    "qwen3_moe": lambda c: _qwen_moe(c, qwen3=True),
    "deepseek_v2": _deepseek,
    "deepseek_v3": _deepseek,
    "llama4": _llama4_text,  # after text_config is taken
    "llama4_text": _llama4_text,
    "gpt_oss": _gpt_oss,
    "gpt2": _gpt2,
    "gpt_neox": _gpt_neox,
}

#: ``model_type`` values :func:`load_hf_config` understands.
SUPPORTED_MODEL_TYPES: tuple[str, ...] = tuple(_FAMILIES)


def load_hf_config(data: Any, *, where: str) -> ModelArchitecture:
    """Build an architecture from a parsed Hugging Face ``config.json``.

    Parameters
    ----------
    data
        The parsed JSON object.
    where
        Where it came from (a path), used in error messages and as the default name.

    Raises
    ------
    InputError
        Not a mapping, an unsupported ``model_type``, a missing or mistyped key: each names the
        key, the value and the fix.
    """
    if not isinstance(data, dict):
        raise InvalidInputError(where, "a config.json must be a JSON object", type(data).__name__)
    model_type = data.get("model_type")
    if model_type is None:
        raise InputError(
            InputProblem(
                f"{where}: model_type",
                "required key is missing",
                None,
                "add the model_type of the published config.json (one of "
                + ", ".join(SUPPORTED_MODEL_TYPES)
                + "), or describe the model in a Stackplan model file",
            )
        )
    family = _FAMILIES.get(str(model_type))
    if family is None:
        raise InvalidInputError(
            f"{where}: model_type",
            "unsupported Hugging Face model type",
            repr(model_type),
            "supported: " + ", ".join(SUPPORTED_MODEL_TYPES) + "; otherwise describe the model in a "
            "Stackplan model file (docs/model-file.md)",
        )
    config: Mapping[str, Any] = data
    config_where = where
    if model_type == "llama4":
        text = data.get("text_config")
        if not isinstance(text, dict):
            raise InputError(
                InputProblem(
                    f"{where}: text_config",
                    "required for model_type 'llama4' (the language model's settings)",
                    None,
                    _FIX_MISSING,
                )
            )
        config, config_where = text, f"{where}: text_config"
    arch = family(_Config(config, config_where))
    return dataclasses.replace(arch, name=_name(data, where), source=f"Hugging Face config {where}")
