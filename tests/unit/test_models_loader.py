"""The Stackplan model file: strict loading, every error path, and ``resolve_model`` dispatch."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml

from stackplan.catalog import get_model
from stackplan.errors import InputError, UnknownIdError
from stackplan.models import ModelArchitecture, resolve_model
from stackplan.models.loader import architecture_from_mapping, load_model_file

MINIMAL: dict[str, Any] = {
    "name": "tiny",
    "layers": 2,
    "hidden_size": 64,
    "heads": 8,
    "ffn_hidden_size": 256,
    "vocab_size": 1000,
}


def _errors(data: Any) -> InputError:
    with pytest.raises(InputError) as info:
        architecture_from_mapping(data, where="m.yaml")
    return info.value


def _problem(data: Any, field: str) -> Any:
    err = _errors(data)
    hits = [p for p in err.problems if p.field == field]
    assert hits, [str(p) for p in err.problems]
    return hits[0]


# ------------------------------------------------------------------------------------------- defaults


def test_defaults() -> None:
    m = architecture_from_mapping(MINIMAL, where="m.yaml")
    assert m.kv_heads == 8  # default heads
    assert m.head_dim == 8  # default hidden_size / heads
    assert m.mlp == "gated"
    assert m.tied_embeddings is False
    assert m.moe is None
    assert m.mla is None


def test_moe_defaults() -> None:
    data = {**MINIMAL, "moe": {"experts": 4, "active_experts": 2, "expert_ffn_hidden_size": 32}}
    m = architecture_from_mapping(data, where="m.yaml")
    assert m.moe is not None
    assert (m.moe.shared_experts, m.moe.first_dense_layers, m.moe.layer_interval) == (0, 0, 1)


def test_local_attention_section() -> None:
    data = {**MINIMAL, "local_attention": {"kind": "sliding", "window": 4096}}
    m = architecture_from_mapping(data, where="m.yaml")
    assert m.local_attention is not None
    assert (m.local_attention.kind, m.local_attention.window, m.local_attention.global_every) == (
        "sliding",
        4096,
        0,
    )
    assert m.local_attention.local_layers(m.layers) == 2


def test_local_attention_wrong_kind_and_window_are_named() -> None:
    err = _errors({**MINIMAL, "local_attention": {"kind": "strided", "window": 0}})
    fields = {p.field for p in err.problems}
    assert {"m.yaml: local_attention.kind", "m.yaml: local_attention.window"} <= fields


# ------------------------------------------------------------------------------------------- errors


def test_unknown_key_suggests_closest() -> None:
    p = _problem({**MINIMAL, "hidden_dim": 64}, "m.yaml: hidden_dim")
    assert p.message == "unknown key"
    assert p.fix == "did you mean 'hidden_size'?"


def test_unknown_nested_key_suggests_from_its_section() -> None:
    moe = {"experts": 4, "active_experts": 2, "expert_ffn_hidden_size": 32, "shared_expert": 1}
    p = _problem({**MINIMAL, "moe": moe}, "m.yaml: moe.shared_expert")
    assert p.fix == "did you mean 'shared_experts'?"


def test_unknown_key_without_close_match_lists_allowed_keys() -> None:
    p = _problem({**MINIMAL, "zzzz": 1}, "m.yaml: zzzz")
    assert p.fix is not None
    assert "allowed keys" in p.fix
    assert "vocab_size" in p.fix


def test_missing_key() -> None:
    data = dict(MINIMAL)
    del data["vocab_size"]
    p = _problem(data, "m.yaml: vocab_size")
    assert p.message == "required key is missing"
    assert p.fix


def test_missing_nested_key() -> None:
    _problem({**MINIMAL, "mla": {"kv_lora_rank": 8}}, "m.yaml: mla.q_lora_rank")


@pytest.mark.parametrize(
    ("key", "value"),
    [("layers", "32"), ("layers", 2.5), ("tied_embeddings", "yes"), ("mlp", "swiglu"), ("heads", True)],
)
def test_wrong_type_names_key_and_value(key: str, value: object) -> None:
    p = _problem({**MINIMAL, key: value}, f"m.yaml: {key}")
    assert p.value == repr(value)
    assert p.fix


@pytest.mark.parametrize("key", ["layers", "hidden_size", "heads", "ffn_hidden_size", "vocab_size"])
def test_zero_or_negative_rejected(key: str) -> None:
    _problem({**MINIMAL, key: 0}, f"m.yaml: {key}")
    _problem({**MINIMAL, key: -3}, f"m.yaml: {key}")


def test_all_problems_reported_at_once() -> None:
    err = _errors({**MINIMAL, "layers": 0, "vocab_size": "x", "extra": 1})
    assert {p.field for p in err.problems} == {"m.yaml: layers", "m.yaml: vocab_size", "m.yaml: extra"}


def test_heads_not_multiple_of_kv_heads() -> None:
    p = _problem({**MINIMAL, "kv_heads": 3}, "m.yaml: kv_heads")
    assert "multiple" in p.message
    assert p.value == "3"
    assert p.fix


def test_head_dim_needed_when_hidden_not_divisible() -> None:
    _problem({**MINIMAL, "heads": 7, "kv_heads": 7}, "m.yaml: head_dim")
    m = architecture_from_mapping({**MINIMAL, "heads": 7, "kv_heads": 7, "head_dim": 16}, where="m.yaml")
    assert m.head_dim == 16


def test_active_experts_above_experts() -> None:
    moe = {"experts": 4, "active_experts": 5, "expert_ffn_hidden_size": 32}
    _problem({**MINIMAL, "moe": moe}, "m.yaml: moe.active_experts")


def test_no_moe_layer_left() -> None:
    moe = {"experts": 4, "active_experts": 2, "expert_ffn_hidden_size": 32, "first_dense_layers": 2}
    _problem({**MINIMAL, "moe": moe}, "m.yaml: moe.first_dense_layers")


def test_not_a_mapping() -> None:
    err = _errors(["a", "b"])
    assert err.problems[0].field == "m.yaml"


# ------------------------------------------------------------------------------------------- files


def _write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _resolve_problem(spec: str, field: str = "--model") -> Any:
    with pytest.raises(InputError) as info:
        resolve_model(spec, field=field)
    return info.value.problems[0]


def test_model_file_round_trip(tmp_path: Path) -> None:
    path = _write(tmp_path, "m.yaml", yaml.safe_dump(MINIMAL))
    m = load_model_file(path)
    assert m.name == "tiny"
    assert m.source == f"model file {path}"


def test_yaml_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "bad.yaml", "name: x\nlayers: [1, 2\nheads: 3\n")
    p = _resolve_problem(str(path))
    assert p.field == "--model"
    assert "YAML syntax error at line 3, column 6" in p.message
    assert p.value == str(path)


def test_empty_model_file(tmp_path: Path) -> None:
    path = _write(tmp_path, "empty.yaml", "")
    assert "mapping" in _resolve_problem(str(path)).message


def test_model_file_not_found(tmp_path: Path) -> None:
    p = _resolve_problem(str(tmp_path / "nope.yml"), field="workloads[0].model")
    assert p.field == "workloads[0].model"
    assert p.message == "model file not found"


def test_config_json_not_found(tmp_path: Path) -> None:
    assert _resolve_problem(str(tmp_path / "config.json")).message == "config file not found"


def test_json_syntax_error_gives_line_and_column(tmp_path: Path) -> None:
    path = _write(tmp_path, "config.json", '{\n  "model_type": "llama",\n  "hidden_size": 4096,,\n}')
    # the second comma of "4096,," is the 23rd character of line 3
    assert "invalid JSON at line 3, column 23" in _resolve_problem(str(path)).message


def test_unrecognised_file_suffix(tmp_path: Path) -> None:
    path = _write(tmp_path, "model.txt", "name: x")
    assert ".yaml" in _resolve_problem(str(path)).message


# ------------------------------------------------------------------------------------------- dispatch


def test_resolve_catalogue_id() -> None:
    assert resolve_model("llama-3.1-8b") is get_model("llama-3.1-8b").architecture


def test_resolve_passes_architecture_through() -> None:
    m = architecture_from_mapping(MINIMAL, where="x")
    assert resolve_model(m) is m


def test_resolve_yaml_and_yml(tmp_path: Path) -> None:
    for name in ("a.yaml", "b.YML"):
        path = _write(tmp_path, name, yaml.safe_dump(MINIMAL))
        assert isinstance(resolve_model(str(path)), ModelArchitecture)


def test_resolve_unknown_id_suggests() -> None:
    with pytest.raises(UnknownIdError) as info:
        resolve_model("mixtral-8x7")
    assert "mixtral-8x7b" in info.value.suggestions
    assert info.value.problems[0].field == "--model"


def test_catalogue_entry_as_model_file_gives_same_counts(tmp_path: Path) -> None:
    # The catalogue architecture keys are model-file keys: a user copying an entry gets the same model.
    data = {
        "name": "DeepSeek-V3 copy",
        "layers": 61,
        "hidden_size": 7168,
        "heads": 128,
        "ffn_hidden_size": 18432,
        "vocab_size": 129280,
        "moe": {
            "experts": 256,
            "active_experts": 8,
            "shared_experts": 1,
            "expert_ffn_hidden_size": 2048,
            "first_dense_layers": 3,
        },
        "mla": {
            "q_lora_rank": 1536,
            "kv_lora_rank": 512,
            "qk_nope_head_dim": 128,
            "qk_rope_head_dim": 64,
            "v_head_dim": 128,
        },
    }
    m = resolve_model(str(_write(tmp_path, "dsv3.yaml", yaml.safe_dump(data))))
    assert m.total_params == get_model("deepseek-v3").architecture.total_params


def test_documented_example_loads_and_matches_catalogue() -> None:
    doc = Path(__file__).parents[2] / "docs" / "model-file.md"
    block = doc.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    m = architecture_from_mapping(yaml.safe_load(block), where="docs/model-file.md")
    catalogue = get_model("deepseek-v3")
    assert m.total_params == catalogue.architecture.total_params
    # the figures the document quotes
    assert round(m.total_params / 1e9, 2) == 671.03
    assert round(m.active_params / 1e9, 2) == 37.55
    assert round((m.active_params - m.embedding_params) / 1e9, 2) == 36.63
    assert m.kv_cache_elements_per_token() == 35_136
