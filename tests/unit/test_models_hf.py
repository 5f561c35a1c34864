"""Hugging Face ``config.json`` import: same architecture as the catalogue, published counts, errors."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

import pytest

from stackplan.catalog import get_model
from stackplan.errors import InputError
from stackplan.models import ModelArchitecture, resolve_model
from stackplan.models.hf import SUPPORTED_MODEL_TYPES, load_hf_config

CONFIGS = Path(__file__).parent.parent / "data" / "hf_configs"


def _load(name: str) -> ModelArchitecture:
    path = CONFIGS / f"{name}.json"
    return load_hf_config(json.loads(path.read_text(encoding="utf-8")), where=str(path))


# fixture file -> catalogue id with the same architecture
SAME_AS_CATALOGUE = {
    "llama-2-7b": "llama-2-7b",
    "llama-3.1-8b": "llama-3.1-8b",
    "llama-3.1-70b": "llama-3.1-70b",
    "llama-3.2-1b": "llama-3.2-1b",
    "mixtral-8x7b": "mixtral-8x7b",
    "qwen3-32b": "qwen3-32b",
    "qwen3-235b-a22b": "qwen3-235b-a22b",
    "deepseek-v2": "deepseek-v2",
    "deepseek-v3": "deepseek-v3",
    "llama-4-scout": "llama-4-scout",
    "llama-4-maverick": "llama-4-maverick",
    "gpt-neox-20b": "gpt-neox-20b",
    "gpt-oss-120b": "gpt-oss-120b",
    "gpt-oss-20b": "gpt-oss-20b",
}


@pytest.mark.parametrize(("fixture", "model_id"), SAME_AS_CATALOGUE.items())
def test_hf_config_equals_catalogue_architecture(fixture: str, model_id: str) -> None:
    hf = _load(fixture)
    catalogue = get_model(model_id).architecture
    assert dataclasses.replace(hf, name=catalogue.name) == catalogue
    assert hf.total_params == catalogue.total_params
    assert hf.active_params == catalogue.active_params


def test_gpt2_small_exact_count() -> None:
    # openai-community/gpt2 has 124,439,808 parameters (tied head): by hand,
    # wte 50257*768 + wpe 1024*768 + 12 * (ln 2*768 + qkv 768*2304+2304 + proj 768*768+768
    #   + ln 2*768 + fc 768*3072+3072 + proj 3072*768+768) + ln_f 2*768
    per_layer = 2 * 768 + 768 * 2304 + 2304 + 768 * 768 + 768 + 2 * 768 + 768 * 3072 + 3072 + 3072 * 768 + 768
    expected = 50257 * 768 + 1024 * 768 + 12 * per_layer + 2 * 768
    m = _load("gpt2")
    assert m.total_params == expected == 124_439_808
    # position and token embeddings are lookups; the tied head is a matmul
    assert m.matmul_params_active == expected - 1024 * 768


def test_mistral_7b_exact_count() -> None:
    # mistralai/Mistral-7B-v0.1: 7,241,732,096 parameters in the HF checkpoint
    assert _load("mistral-7b-v0.1").total_params == 7_241_732_096


def test_mistral_sliding_window_in_every_layer() -> None:
    m = _load("mistral-7b-v0.1")  # sliding_window 4096
    assert m.local_attention is not None
    assert (m.local_attention.kind, m.local_attention.window) == ("sliding", 4096)
    assert m.local_attention.local_layers(m.layers) == 32
    data = json.loads((CONFIGS / "mistral-7b-v0.1.json").read_text(encoding="utf-8"))
    data["sliding_window"] = None  # Mistral 7B v0.2 and later
    assert load_hf_config(data, where="v0.2.json").local_attention is None


def test_qwen2_7b_has_qkv_bias() -> None:
    m = _load("qwen2-7b")
    assert m.qkv_bias
    assert not m.attention_bias
    # Qwen/Qwen2-7B: 7.62B parameters in the HF checkpoint
    assert m.total_params == pytest.approx(7.62e9, rel=0.01)
    # bias on q (28*128) + k, v (2*4*128), none on o
    no_bias = dataclasses.replace(m, qkv_bias=False)
    assert m.attention_params_per_layer - no_bias.attention_params_per_layer == (28 + 2 * 4) * 128


def test_qwen2_moe_shared_expert_size_differs() -> None:
    # Qwen1.5-MoE-A2.7B model card: 14.3B total, 2.7B activated; shared expert 5632 vs experts 1408
    m = _load("qwen1.5-moe-a2.7b")
    assert m.moe is not None
    assert m.moe.shared_expert_ffn_hidden_size == 5632
    assert m.shared_expert_params == 3 * 2048 * 5632
    assert m.expert_params == 3 * 2048 * 1408
    assert m.total_params == pytest.approx(14.3e9, rel=0.01)
    assert m.active_params == pytest.approx(2.7e9, rel=0.01)


def test_qwen3_qk_norm_params() -> None:
    m = _load("qwen3-32b")
    assert m.qk_norm
    assert (
        m.attention_params_per_layer - dataclasses.replace(m, qk_norm=False).attention_params_per_layer == 256
    )


def test_llama4_reads_text_config_and_interleave() -> None:
    m = _load("llama-4-maverick")
    assert m.moe is not None
    assert m.moe_layers == 24
    assert m.dense_layers == 24
    assert m.ffn_hidden_size == 16384
    assert m.moe.expert_ffn_hidden_size == 8192


def test_gpt_oss_counts_by_hand() -> None:
    # OpenAI model card Table 1: 116.83B total, 5.13B active (without the input embedding).
    # By hand, per layer: attention q/o 2 * 2880*4096, k/v 2 * 2880*512, biases 4096+2*512+2880,
    # input norm 2880; 128 experts of 3 * 2880*2880 weights + 2*2880 + 2880 biases; router 2880*128;
    # post-attention norm 2880.
    attention = 2 * 2880 * 4096 + 2 * 2880 * 512 + 4096 + 2 * 512 + 2880 + 2880
    expert = 3 * 2880 * 2880 + 3 * 2880
    layer = attention + 128 * expert + 2880 * 128 + 2880
    embed = 201088 * 2880
    m = _load("gpt-oss-120b")
    assert m.total_params == 36 * layer + 2 * embed + 2880
    assert m.active_params - m.embedding_params == pytest.approx(5.13e9, abs=0.005e9)
    assert m.local_attention is not None
    assert (m.local_attention.kind, m.local_attention.window) == ("sliding", 128)
    assert m.local_attention.local_layers(m.layers) == 18


def test_gpt_oss_default_layer_types_alternate() -> None:
    data = json.loads((CONFIGS / "gpt-oss-20b.json").read_text(encoding="utf-8"))
    del data["layer_types"]
    m = load_hf_config(data, where="gpt-oss-20b.json")
    assert m == _load("gpt-oss-20b")


def test_gpt_oss_all_sliding_and_irregular_layouts() -> None:
    data = json.loads((CONFIGS / "gpt-oss-20b.json").read_text(encoding="utf-8"))
    data["layer_types"] = ["sliding_attention"] * 24
    m = load_hf_config(data, where="x.json")
    assert m.local_attention is not None
    assert m.local_attention.global_every == 0
    data["layer_types"] = ["full_attention"] * 24
    assert load_hf_config(data, where="x.json").local_attention is None
    data["layer_types"] = ["full_attention"] + ["sliding_attention"] * 23
    with pytest.raises(InputError) as info:
        load_hf_config(data, where="x.json")
    assert "layer_types" in str(info.value)
    data["layer_types"] = ["sliding_attention"] * 23
    with pytest.raises(InputError, match="24 entries"):
        load_hf_config(data, where="x.json")


def test_every_supported_type_has_a_fixture_or_alias() -> None:
    covered = set()
    for path in CONFIGS.glob("*.json"):
        covered.add(json.loads(path.read_text(encoding="utf-8"))["model_type"])
    # llama4_text is the text_config of llama4; qwen3_moe etc. must all be exercised
    assert set(SUPPORTED_MODEL_TYPES) - covered == {"llama4_text"}


def test_resolve_model_reads_config_json() -> None:
    m = resolve_model(str(CONFIGS / "llama-3.1-8b.json"))
    assert m.total_params == get_model("llama-3.1-8b").architecture.total_params


# ----------------------------------------------------------------------------------------- errors


def _err(data: Any) -> InputError:
    with pytest.raises(InputError) as info:
        load_hf_config(data, where="cfg.json")
    return info.value


def test_unknown_model_type_lists_supported() -> None:
    text = str(_err({"model_type": "bloom"}))
    assert "cfg.json: model_type" in text
    assert "'bloom'" in text
    assert "llama" in text
    assert "model file" in text


def test_missing_model_type() -> None:
    text = str(_err({"hidden_size": 10}))
    assert "model_type: required key is missing" in text


def test_missing_key_is_named() -> None:
    data = json.loads((CONFIGS / "llama-3.1-8b.json").read_text(encoding="utf-8"))
    del data["intermediate_size"]
    err = _err(data)
    assert err.problems[0].field == "cfg.json: intermediate_size"
    assert "missing" in err.problems[0].message
    assert err.problems[0].fix


def test_wrong_type_is_named() -> None:
    data = json.loads((CONFIGS / "llama-3.1-8b.json").read_text(encoding="utf-8"))
    data["num_hidden_layers"] = "32"
    err = _err(data)
    assert err.problems[0].field == "cfg.json: num_hidden_layers"
    assert err.problems[0].value == "'32'"


def test_kv_heads_must_divide_heads() -> None:
    data = json.loads((CONFIGS / "llama-3.1-8b.json").read_text(encoding="utf-8"))
    data["num_key_value_heads"] = 5
    assert "num_key_value_heads" in _err(data).problems[0].field


def test_llama4_without_text_config() -> None:
    assert _err({"model_type": "llama4"}).problems[0].field == "cfg.json: text_config"


def test_llama4_missing_key_names_text_config_path() -> None:
    data = json.loads((CONFIGS / "llama-4-scout.json").read_text(encoding="utf-8"))
    del data["text_config"]["intermediate_size_mlp"]
    assert _err(data).problems[0].field == "cfg.json: text_config: intermediate_size_mlp"


def test_irregular_moe_layout_rejected() -> None:
    data = json.loads((CONFIGS / "qwen3-235b-a22b.json").read_text(encoding="utf-8"))
    data["mlp_only_layers"] = [3, 7]
    assert _err(data).problems[0].field == "cfg.json: mlp_only_layers"


def test_not_an_object() -> None:
    assert "JSON object" in str(_err([1, 2]))
