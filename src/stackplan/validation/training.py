"""Training validation cases: predictions against published measurements.

The measurements are in ``validation/data/training_measurements.csv`` (one row per figure, with its
source, conditions and the setup: model, accelerator, count, sequence length, batch, precision,
software stack and whatever parallelism the source states; the rest is searched). Architectures used
only here (Megatron GPT shapes, NeMo GPT-3 and Nemotron, BloombergGPT) and the A100 40 GB variant are
in ``validation/data/training_architectures.yaml``.

Each row's ``metric`` says how the prediction is compared with the figure; no row carries its own
constant. ``kind`` is ``controlled`` (benchmark runs: fixed parallelism, batch and precision) or
``production`` (totals of a whole run, which include failures, restarts and evaluation; the goodput
factor applies).
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

import yaml

from stackplan.catalog._files import read_table
from stackplan.catalog.accelerators import Accelerator, get_accelerator
from stackplan.errors import CatalogError
from stackplan.models.architecture import ModelArchitecture
from stackplan.models.loader import architecture_from_mapping, resolve_model
from stackplan.perf.prediction import ALLOCATION_GOODPUT_FACTOR, TrainingPrediction, predict_training
from stackplan.validation import ValidationCase, register

__all__ = ["TrainingCase", "predict_case", "training_cases", "training_rows"]

_PKG = "stackplan.validation"

#: Goodput by kind of figure: benchmark throughput (and estimates made from it) has none;
#: production totals are allocation hours (:data:`ALLOCATION_GOODPUT_FACTOR`).
KIND_GOODPUT = {"controlled": 1.0, "production": ALLOCATION_GOODPUT_FACTOR}

#: Goodput by basis of the figure, when a row states it: ``throughput`` figures (hours derived from
#: a measured rate, e.g. DeepSeek's GPU-hours per trillion tokens) have none; ``allocation`` hours
#: have :data:`ALLOCATION_GOODPUT_FACTOR`.
BASIS_GOODPUT = {"throughput": 1.0, "allocation": ALLOCATION_GOODPUT_FACTOR}


@dataclasses.dataclass(frozen=True, kw_only=True)
class TrainingCase:
    """One row of ``training_measurements.csv``, typed."""

    id: str
    kind: str
    subject: str
    model: str
    accelerator: str
    count: int
    seq_len: int
    global_batch_seqs: int
    precision: str
    software: str
    fixed: dict[str, Any]
    tokens: float | None
    goodput: float
    metric: str
    published: float
    unit: str
    source: str
    group: str
    split: str
    lora_rank: int
    lora_targets: str
    document_tokens: int | None


@cache
def _extras() -> tuple[dict[str, ModelArchitecture], dict[str, Accelerator]]:
    text = resources.files(_PKG).joinpath("data", "training_architectures.yaml").read_text(encoding="utf-8")
    doc = yaml.safe_load(text)
    archs = {
        key: architecture_from_mapping(
            entry["model"], where=f"training_architectures.yaml:{key}", source=entry["source"]
        )
        for key, entry in doc["architectures"].items()
    }
    accs = {}
    for key, entry in doc.get("accelerators", {}).items():
        base = get_accelerator(entry["base"])
        changes = {k: v for k, v in entry.items() if k not in ("base", "source")}
        accs[key] = dataclasses.replace(
            base, id=key, name=f"{base.name} ({key})", source=entry["source"], **changes
        )
    return archs, accs


def _int_or_none(text: str) -> int | None:
    return int(text) if text.strip() else None


@cache
def training_rows() -> tuple[TrainingCase, ...]:
    """The validation rows, typed."""
    table = read_table(
        "training_measurements.csv", required=("id", "source", "metric", "published"), package=_PKG
    )
    rows = []
    for r in table.rows:
        try:
            fixed: dict[str, Any] = {
                "tp": _int_or_none(r["tp"]),
                "pp": _int_or_none(r["pp"]),
                "dp": _int_or_none(r["dp"]),
                "cp": _int_or_none(r["cp"]),
                "ep": _int_or_none(r["ep"]),
                "virtual_stages": _int_or_none(r["virtual_stages"]),
                "micro_batch": _int_or_none(r["micro_batch"]),
                "recompute": r["recompute"].strip() or None,
                "zero_stage": _int_or_none(r["zero_stage"]),
                "sequence_parallel": r["sequence_parallel"].strip() != "0",
            }
            rows.append(
                TrainingCase(
                    id=r["id"],
                    kind=r["kind"],
                    subject=r["subject"],
                    model=r["model"],
                    accelerator=r["accelerator"],
                    count=int(r["count"]),
                    seq_len=int(r["seq_len"]),
                    global_batch_seqs=int(r["global_batch_seqs"]),
                    precision=r["precision"],
                    software=r["software"],
                    fixed=fixed,
                    tokens=float(r["tokens"]) if r["tokens"].strip() else None,
                    goodput=BASIS_GOODPUT[r["basis"]] if r["basis"].strip() else KIND_GOODPUT[r["kind"]],
                    metric=r["metric"],
                    published=float(r["published"]),
                    unit=r["unit"],
                    source=r["source"] + (f" ({r['section']})" if r["section"] else ""),
                    group=r["group"],
                    split=r["split"],
                    lora_rank=int(r["lora_rank"]) if r["lora_rank"].strip() else 0,
                    lora_targets=r["lora_targets"].strip() or "all",
                    document_tokens=_int_or_none(r["document_tokens"]),
                )
            )
        except (KeyError, ValueError) as err:
            raise CatalogError(f"training_measurements.csv: bad row {r.get('id')!r}: {err}") from None
    return tuple(rows)


def _narayanan_flops_per_step(arch: ModelArchitecture, batch: int, seq_len: int) -> float:
    """Hardware FLOPs per iteration by Narayanan et al. 2021 eq. (3): ``96 B s l h^2 (1 + s/6h + V/16lh)``."""
    h, L, V, s = arch.hidden_size, arch.layers, arch.vocab_size, seq_len
    return 96.0 * batch * s * L * h * h * (1.0 + s / (6.0 * h) + V / (16.0 * L * h))


def predict_case(case: TrainingCase) -> tuple[float, TrainingPrediction]:
    """The predicted value of ``case.metric`` and the full prediction."""
    archs, accs = _extras()
    arch = archs[case.model] if case.model in archs else resolve_model(case.model)
    acc = accs[case.accelerator] if case.accelerator in accs else get_accelerator(case.accelerator)
    pred = predict_training(
        arch,
        acc,
        case.count,
        tokens=case.tokens,
        seq_len=case.seq_len,
        global_batch_seqs=case.global_batch_seqs,
        precision=case.precision,
        software=case.software,
        goodput=case.goodput,
        lora_rank=case.lora_rank,
        lora_targets=case.lora_targets,
        document_tokens=case.document_tokens,
        **case.fixed,
    )
    metric = case.metric
    if metric == "tflops_narayanan":
        value = (
            _narayanan_flops_per_step(arch, case.global_batch_seqs, case.seq_len)
            / pred.step_time_s
            / case.count
            / 1e12
        )
    elif metric == "mfu":
        value = pred.mfu * 100.0
    elif metric in ("step_time_s", "model_tflops_per_device", "tokens_per_s_per_device"):
        value = float(getattr(pred, metric))
    elif metric in ("accelerator_hours", "wall_clock_days"):
        got = getattr(pred, metric)
        if got is None:
            raise CatalogError(f"training_measurements.csv: row {case.id!r} needs tokens for {metric}")
        value = float(got)
    else:
        raise CatalogError(f"training_measurements.csv: row {case.id!r} has unknown metric {metric!r}")
    return value, pred


@register
def training_cases() -> Sequence[ValidationCase]:
    """Every training validation case, predicted now."""
    out = []
    for case in training_rows():
        value, _ = predict_case(case)
        out.append(
            ValidationCase(
                id=case.id,
                category="training",
                kind=case.kind,
                subject=case.subject,
                quantity=case.metric,
                unit=case.unit,
                published=case.published,
                predicted=value,
                source=case.source,
                group=case.group,
                split=case.split,
            )
        )
    return out
