"""Loading model architectures: the catalogue, Stackplan model files and Hugging Face configs.

``resolve_model(spec)`` accepts a catalogue id (``llama-3.1-70b``), a path to a Stackplan model
file (YAML) or a path to a Hugging Face ``config.json`` the user already has. Nothing is ever
downloaded.
"""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from stackplan.catalog.names import resolve_model_id
from stackplan.errors import (
    CatalogError,
    InputError,
    InputProblem,
    InvalidInputError,
    UnknownIdError,
    closest,
)
from stackplan.models.architecture import MLA, LocalAttention, ModelArchitecture, MoE
from stackplan.models.hf import load_hf_config

__all__ = [
    "PARAM_COUNT_REL_TOLERANCE",
    "ArchitectureExtras",
    "CatalogModel",
    "ModelFile",
    "PublishedCount",
    "architecture_from_mapping",
    "get_model",
    "list_models",
    "load_hf_config_file",
    "load_model_file",
    "model_ids",
    "parse_published_count",
    "resolve_model",
]


class _Strict(BaseModel):
    # strict: no coercion ("32" is not an integer, 1 is not true); unknown keys are errors
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class MoESpec(_Strict):
    """``moe:`` section of the model file (see :class:`~stackplan.models.architecture.MoE`)."""

    experts: int = Field(gt=0)
    active_experts: int = Field(gt=0)
    shared_experts: int = Field(default=0, ge=0)
    expert_ffn_hidden_size: int = Field(gt=0)
    first_dense_layers: int = Field(default=0, ge=0)
    layer_interval: int = Field(default=1, ge=1)
    weight_format: Literal["mxfp4", "int4"] | None = None


class MLASpec(_Strict):
    """``mla:`` section of the model file (see :class:`~stackplan.models.architecture.MLA`)."""

    q_lora_rank: int = Field(ge=0)
    kv_lora_rank: int = Field(gt=0)
    qk_nope_head_dim: int = Field(gt=0)
    qk_rope_head_dim: int = Field(ge=0)
    v_head_dim: int = Field(gt=0)


class LocalAttentionSpec(_Strict):
    """``local_attention:`` section of the model file (see :class:`~stackplan.models.architecture.LocalAttention`)."""

    kind: Literal["chunked", "sliding"]
    window: int = Field(gt=0)
    global_every: int = Field(default=0, ge=0)


class ModelFile(_Strict):
    """The Stackplan model file (YAML). Unknown keys are errors (docs/model-file.md)."""

    name: str = Field(min_length=1)
    layers: int = Field(gt=0)
    hidden_size: int = Field(gt=0)
    heads: int = Field(gt=0)
    kv_heads: int | None = Field(default=None, gt=0)
    head_dim: int | None = Field(default=None, gt=0)
    ffn_hidden_size: int = Field(gt=0)
    mlp: Literal["gated", "plain"] = "gated"
    vocab_size: int = Field(gt=0)
    tied_embeddings: bool = False
    moe: MoESpec | None = None
    mla: MLASpec | None = None
    local_attention: LocalAttentionSpec | None = None

    def check(self, where: str) -> list[InputProblem]:
        """Consistency between keys, each problem naming its key, value and fix."""
        problems = []
        kv = self.kv_heads or self.heads
        if self.heads % kv:
            problems.append(
                InputProblem(
                    f"{where}: kv_heads",
                    f"heads ({self.heads}) must be a multiple of kv_heads",
                    str(kv),
                    "use a divisor of heads (kv_heads = heads for multi-head attention)",
                )
            )
        if self.head_dim is None and self.hidden_size % self.heads:
            problems.append(
                InputProblem(
                    f"{where}: head_dim",
                    f"hidden_size ({self.hidden_size}) is not a multiple of heads ({self.heads}), "
                    "so head_dim has no default",
                    None,
                    "give head_dim",
                )
            )
        if self.moe is not None:
            m = self.moe
            if m.active_experts > m.experts:
                problems.append(
                    InputProblem(
                        f"{where}: moe.active_experts",
                        f"must not exceed moe.experts ({m.experts})",
                        str(m.active_experts),
                        "lower it to at most moe.experts",
                    )
                )
            if (self.layers - m.first_dense_layers) // m.layer_interval < 1:
                problems.append(
                    InputProblem(
                        f"{where}: moe.first_dense_layers",
                        f"leaves no MoE layer among {self.layers} layers with layer_interval {m.layer_interval}",
                        str(m.first_dense_layers),
                        "lower moe.first_dense_layers or moe.layer_interval, or remove the moe section",
                    )
                )
        return problems

    def to_architecture(self, *, source: str = "") -> ModelArchitecture:
        return ModelArchitecture(
            name=self.name,
            layers=self.layers,
            hidden_size=self.hidden_size,
            heads=self.heads,
            kv_heads=self.kv_heads or self.heads,
            head_dim=self.head_dim or self.hidden_size // self.heads,
            ffn_hidden_size=self.ffn_hidden_size,
            mlp=self.mlp,
            vocab_size=self.vocab_size,
            tied_embeddings=self.tied_embeddings,
            moe=MoE(**self.moe.model_dump()) if self.moe else None,
            mla=MLA(**self.mla.model_dump()) if self.mla else None,
            local_attention=LocalAttention(**self.local_attention.model_dump())
            if self.local_attention
            else None,
            source=source,
        )


class ArchitectureExtras(_Strict):
    """Architecture details outside the Stackplan model file (catalogue ``extras`` and HF import).

    The model-file keys are fixed (docs/model-file.md); these refine parameter counts of
    architectures that have biases, LayerNorms, QK-norm or learned positions. Field meanings are
    those of :class:`ModelArchitecture`.
    """

    attention_bias: bool = False
    mlp_bias: bool = False
    qkv_bias: bool = False
    qk_norm: bool = False
    norm_bias: bool = False
    position_embeddings: int = Field(default=0, ge=0)


_MODEL_FILE_SECTIONS: dict[str, type[BaseModel]] = {
    "": ModelFile,
    "moe": MoESpec,
    "mla": MLASpec,
    "local_attention": LocalAttentionSpec,
}


def _problems_from_validation(
    err: ValidationError, prefix: str, sections: dict[str, type[BaseModel]]
) -> list[InputProblem]:
    """Turn pydantic errors into :class:`InputProblem`, one per key, with a fix for each.

    ``sections`` maps a section name (``""`` for the top level) to its schema, for suggestions.
    """
    problems = []
    for e in err.errors():
        loc = ".".join(str(p) for p in e["loc"])
        path = f"{prefix}{loc}" if loc else prefix.rstrip(": ")
        if e["type"] == "extra_forbidden":
            key = str(e["loc"][-1])
            section = ".".join(str(p) for p in e["loc"][:-1])
            known = list(sections.get(section, sections[""]).model_fields)
            sugg = closest(key, known)
            fix = f"did you mean {sugg[0]!r}?" if sugg else "remove it; allowed keys: " + ", ".join(known)
            problems.append(InputProblem(path, "unknown key", None, fix))
        elif e["type"] == "missing":
            problems.append(
                InputProblem(path, "required key is missing", None, "add it (docs/model-file.md)")
            )
        else:
            problems.append(
                InputProblem(path, e["msg"], repr(e.get("input")), "correct the value (docs/model-file.md)")
            )
    return problems


def architecture_from_mapping(data: Any, *, where: str, source: str = "") -> ModelArchitecture:
    """Validate a Stackplan model-file mapping and build the architecture.

    Raises :class:`InputError` listing every problem, each with its key path.
    """
    if not isinstance(data, dict):
        raise InvalidInputError(
            where,
            "a model file must be a mapping of keys to values",
            type(data).__name__,
            "see docs/model-file.md",
        )
    try:
        spec = ModelFile.model_validate(data)
    except ValidationError as err:
        raise InputError(_problems_from_validation(err, f"{where}: ", _MODEL_FILE_SECTIONS)) from None
    problems = spec.check(where)
    if problems:
        raise InputError(problems)
    return spec.to_architecture(source=source)


def _read_text(path: Path, field: str, what: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InvalidInputError(field, f"{what} not found", str(path), "check the path") from None
    except OSError as err:
        raise InvalidInputError(
            field, f"cannot read {what}: {err.strerror}", str(path), "check the path and its permissions"
        ) from None
    except UnicodeDecodeError:
        raise InvalidInputError(
            field, f"{what} is not UTF-8 text", str(path), "save it as UTF-8 text"
        ) from None


def load_model_file(path: Path, *, field: str = "--model") -> ModelArchitecture:
    """Read a Stackplan model file (YAML); errors name ``field`` (the option that gave the path)."""
    text = _read_text(path, field, "model file")
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(err, "problem", None)
        raise InvalidInputError(
            field,
            f"YAML syntax error{at}" + (f": {problem}" if problem else ""),
            str(path),
            "fix the YAML syntax",
        ) from None
    return architecture_from_mapping(data, where=str(path), source=f"model file {path}")


def load_hf_config_file(path: Path, *, field: str = "--model") -> ModelArchitecture:
    """Read a Hugging Face ``config.json``; errors name ``field``."""
    text = _read_text(path, field, "config file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InvalidInputError(
            field,
            f"invalid JSON at line {err.lineno}, column {err.colno}: {err.msg}",
            str(path),
            "fix the JSON syntax",
        ) from None
    return load_hf_config(data, where=str(path))


# ---------------------------------------------------------------------------------------------- catalogue


#: Relative tolerance within which a derived parameter count must match a published one [-] (issue 2).
PARAM_COUNT_REL_TOLERANCE = 0.01

ActiveConvention = Literal["all_touched", "excluding_input_embedding"]
_ACTIVE_CONVENTIONS: tuple[str, ...] = ("all_touched", "excluding_input_embedding")
_COUNT_UNITS = {"T": 1e12, "B": 1e9, "M": 1e6}


@dataclass(frozen=True, kw_only=True)
class PublishedCount:
    """A parameter count as its publisher states it.

    Parameters
    ----------
    text
        The figure as published, with its unit (``"17B"``, ``"6.738B"``).
    value
        The figure [parameters].
    resolution
        Half a unit of the last digit given [parameters]: ``"17B"`` is known to +-0.5e9.
    """

    text: str
    value: float
    resolution: float

    def tolerance(self) -> float:
        """Largest acceptable |derived - published| [parameters].

        ``max(PARAM_COUNT_REL_TOLERANCE * value, resolution)``: 1% of the figure, or the rounding of
        the figure when the publisher gave fewer digits than that.
        """
        return max(PARAM_COUNT_REL_TOLERANCE * self.value, self.resolution)

    def matches(self, derived: float) -> bool:
        """Whether a derived count agrees with this published figure [-]."""
        return abs(derived - self.value) <= self.tolerance()


def parse_published_count(text: object, *, where: str) -> PublishedCount:
    """Parse ``"<decimal><T|B|M>"`` (``"36.6B"``, ``"1T"``) into a :class:`PublishedCount`."""
    raw = str(text).strip()
    unit = raw[-1:].upper()
    number = raw[:-1].replace(",", "")
    if unit not in _COUNT_UNITS or not number:
        raise CatalogError(
            f"{where}: parameter count {raw!r} must be a number with unit T, B or M, e.g. '17B'"
        )
    try:
        value = float(number)
    except ValueError:
        raise CatalogError(f"{where}: parameter count {raw!r} is not a number") from None
    decimals = len(number.split(".")[1]) if "." in number else 0
    scale = _COUNT_UNITS[unit]
    return PublishedCount(text=raw, value=value * scale, resolution=0.5 * scale * 10.0**-decimals)


@dataclass(frozen=True, kw_only=True)
class CatalogModel:
    """A catalogue model: its architecture with the published parameter counts and their source.

    Parameters
    ----------
    published_total, published_active
        The counts as published (active = total for dense models).
    active_convention
        What the publisher counts as active: ``all_touched`` (every parameter a token touches,
        input embedding and output head included; Meta, Mistral, Qwen) or
        ``excluding_input_embedding`` (DeepSeek, per DeepSeek-V3 README_WEIGHTS.md).
    vision_encoder_params
        Vision encoder and projector parameters in the same checkpoint, counted in the published
        total but not part of the text architecture [-] (Llama 4).
    """

    id: str
    architecture: ModelArchitecture
    published_total: PublishedCount
    published_active: PublishedCount
    active_convention: ActiveConvention = "all_touched"
    vision_encoder_params: int = 0
    source: str
    as_of: str

    @property
    def published_total_params(self) -> float:
        """Published total [parameters]."""
        return self.published_total.value

    @property
    def published_active_params(self) -> float:
        """Published active per token [parameters]."""
        return self.published_active.value

    @property
    def derived_total_params(self) -> int:
        """Total derived from the architecture, counted as the publisher counts it [-].

        Text architecture total plus ``vision_encoder_params``.
        """
        return self.architecture.total_params + self.vision_encoder_params

    @property
    def derived_active_params(self) -> int:
        """Active parameters derived from the architecture, in the publisher's convention [-]."""
        a = self.architecture
        if self.active_convention == "excluding_input_embedding":
            return a.active_params - a.embedding_params
        return a.active_params


def _catalog_entry(entry: dict[str, Any]) -> CatalogModel:
    where = f"models.yaml:{entry.get('id')}"
    convention = entry.get("published_active_convention", "all_touched")
    if convention not in _ACTIVE_CONVENTIONS:
        raise CatalogError(
            f"{where}: published_active_convention {convention!r} must be one of {', '.join(_ACTIVE_CONVENTIONS)}"
        )
    arch = architecture_from_mapping(entry["architecture"], where=where, source=entry["source"])
    if "extras" in entry:
        try:
            extras = ArchitectureExtras.model_validate(entry["extras"])
        except ValidationError as err:
            raise InputError(
                _problems_from_validation(err, f"{where}: extras.", {"": ArchitectureExtras})
            ) from None
        arch = dataclasses.replace(arch, **extras.model_dump())
    total = parse_published_count(entry["published_total_params"], where=where)
    active = (
        parse_published_count(entry["published_active_params"], where=where)
        if "published_active_params" in entry
        else total
    )
    return CatalogModel(
        id=entry["id"],
        architecture=arch,
        published_total=total,
        published_active=active,
        active_convention=convention,
        vision_encoder_params=int(entry.get("vision_encoder_params", 0)),
        source=entry["source"],
        as_of=str(entry["as_of"]),
    )


@cache
def _catalog() -> tuple[str, tuple[CatalogModel, ...]]:
    text = resources.files("stackplan.catalog").joinpath("data", "models.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    if not isinstance(doc, dict) or "schema_version" not in doc or "models" not in doc:
        raise CatalogError("models.yaml: needs 'schema_version' and 'models'")
    out = []
    for entry in doc["models"]:
        try:
            out.append(_catalog_entry(entry))
        except (KeyError, InputError) as err:
            raise CatalogError(f"models.yaml: bad entry {entry.get('id')!r}: {err}") from None
    return str(doc.get("as_of", "")), tuple(out)


def list_models() -> tuple[CatalogModel, ...]:
    """All catalogue models."""
    return _catalog()[1]


def model_ids() -> list[str]:
    return [m.id for m in list_models()]


def get_model(model_id: str, *, field: str = "--model") -> CatalogModel:
    """Look up a catalogue model by id or a checkpoint name that means it (``meta-llama/Llama-3.1-8B-Instruct``,
    ``Qwen/Qwen3-32B-FP8``: :mod:`stackplan.catalog.names`); unknown names list the closest ids."""
    ids = model_ids()
    found = resolve_model_id(model_id, ids)
    for m in list_models():
        if m.id == found:
            return m
    raise UnknownIdError(field, "model", model_id, ids)


def resolve_model(spec: str | ModelArchitecture, *, field: str = "--model") -> ModelArchitecture:
    """Turn a catalogue id, a model-file path or a Hugging Face ``config.json`` path into an architecture.

    Dispatch on the text: a name ending in ``.yaml``/``.yml`` is a Stackplan model file, one ending
    in ``.json`` a Hugging Face config; anything else is a catalogue id. Nothing is downloaded.
    """
    if isinstance(spec, ModelArchitecture):
        return spec
    path = Path(spec)
    suffix = path.suffix.lower()
    if suffix in (".yaml", ".yml"):
        return load_model_file(path, field=field)
    if suffix == ".json":
        return load_hf_config_file(path, field=field)
    if path.is_file():
        raise InvalidInputError(
            field,
            "a model file must end in .yaml/.yml (Stackplan model file) or .json (Hugging Face config)",
            spec,
            "rename the file, or give a catalogue id (stackplan catalog models)",
        )
    return get_model(spec, field=field).architecture
