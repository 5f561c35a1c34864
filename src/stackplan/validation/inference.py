"""Inference predictions against published serving measurements.

Three groups, each registered with :func:`stackplan.validation.register`:

* ``max throughput``: TensorRT-LLM performance tables, MLPerf Offline (H100, B200 FP4, MI300X,
  Mixtral MoE) and the DeepSeek-R1 on B200 blog (``inference_throughput.csv``);
* ``server throughput``: MLPerf Server (best throughput within TTFT 2 s / TPOT 200 ms at the
  99th percentile under Poisson arrivals);
* ``serving TTFT`` and ``serving TPOT``: 706 fixed-concurrency measurements on H100
  (``serving_latency_h100.csv``, NVIDIA aiconfigurator-core 0.12.0, Apache-2.0).

Measurement protocol, not a model constant: the fixed-concurrency measurements come from a closed
loop that starts all ``B`` clients at once and sends ``BENCHMARK_REQUESTS_PER_SLOT`` requests per
client, so the reported mean TTFT averages one cold-start wave (``burst_ttft``) with steady-state
requests. KV-cache precision is the frameworks' default: fp8 for TensorRT-LLM fp8 checkpoints
(ModelOpt quantises the KV cache), the model dtype (bf16) for vLLM and SGLang. vLLM rows run with
asynchronous scheduling from vLLM 0.14 on (its default since then), synchronously before and where
the version is not recorded.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from functools import cache
from importlib import resources
from typing import Any

from stackplan.catalog.serving import ServingFramework
from stackplan.errors import StackplanError
from stackplan.models.architecture import ModelArchitecture
from stackplan.models.loader import resolve_model
from stackplan.perf.inference import (
    Disaggregation,
    InferencePrediction,
    SpeculativeDecoding,
    predict_inference,
    serving_framework_for,
)
from stackplan.validation import ValidationCase, register

__all__ = [
    "BENCHMARK_REQUESTS_PER_SLOT",
    "benchmark_mean_ttft_ms",
    "disaggregated_latency_cases",
    "disaggregated_skipped",
    "heldout_latency_cases",
    "heldout_skipped",
    "latency_cases",
    "latency_row_setup",
    "throughput_cases",
]

#: Requests each client of the fixed-concurrency benchmark sends (the first of them arrive together) [-].
#: Source: ai-dynamo/aiconfigurator ``eval/benchmarks/genai_perf_runner.py`` (genai-perf, streaming chat
#: endpoint, ``--request-count 10 x concurrency``, ``--warmup-request-count 2 x concurrency``).
BENCHMARK_REQUESTS_PER_SLOT = 10

_LATENCY_SOURCE = "NVIDIA aiconfigurator-core 0.12.0 silicon_sample.csv (Apache-2.0), row "
_HELDOUT_SOURCE = (
    "NVIDIA ai-dynamo/aiconfigurator 095f58a (2026-08-21) aic-core silicon_sample.csv (Apache-2.0), row "
)


def _read(name: str) -> list[dict[str, str]]:
    text = resources.files("stackplan.validation").joinpath("data", name).read_text(encoding="utf-8")
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


def _opt_int(v: str) -> int | None:
    return int(v) if v.strip() else None


def _opt_float(v: str) -> float | None:
    return float(v) if v.strip() else None


def _arch(model_id: str) -> ModelArchitecture:
    return resolve_model(model_id)


#: First vLLM release with asynchronous scheduling on by default (vLLM PR #27614, the last item of
#: vllm-project/vllm issue #27679 "Async Scheduling Plan") [major, minor].
VLLM_ASYNC_DEFAULT_SINCE = (0, 14)


def _framework(framework: str, accelerator: str, version: str = "") -> ServingFramework:
    """The framework as the measurement ran it: vLLM before 0.14, or of an unrecorded version (the
    MLPerf v4.1/v5.1 submissions ran vLLM 0.9 and older), scheduled synchronously."""
    fw = serving_framework_for(accelerator, framework)
    if fw.id != "vllm":
        return fw
    try:
        release = tuple(int(part) for part in version.split(".")[:2])
    except ValueError:
        release = ()
    return fw.with_deployment(async_scheduling=len(release) == 2 and release >= VLLM_ASYNC_DEFAULT_SINCE)


def _deployed(framework: ServingFramework, row: dict[str, str]) -> ServingFramework:
    """The framework with the sequence cap and the token budget the source set (``max_batch_size``
    and ``max_num_tokens`` columns), where it states them."""
    return framework.with_deployment(
        max_batch_size=_opt_int(row.get("max_batch_size") or ""),
        max_num_tokens=_opt_int(row.get("max_num_tokens") or ""),
    )


def _predict_row(r: dict[str, str], **kw: Any) -> InferencePrediction:
    """:func:`predict_inference` for one measured row: its model, chip, device count, lengths and
    weight precision, plus the keywords that differ between the files (layout, batch, framework)."""
    return predict_inference(
        _arch(r["model"]),
        r["accelerator"],
        int(r["count"]),
        input_tokens=int(r["input_tokens"]),
        output_tokens=int(r["output_tokens"]),
        precision=r["precision"],
        **kw,
    )


@cache
def throughput_cases() -> tuple[ValidationCase, ...]:
    """Maximum-throughput and MLPerf Server cases.

    Rows marked ``held-out`` in the ``split`` column (H200, B200, GB200 and the other H100 lengths
    of the same TensorRT-LLM table; MLPerf Inference v5.0/v5.1 results on B200, GB200, GB300, H200,
    MI300X and MI325X) were added after the model's constants were chosen; their kind
    carries `` (held-out)`` so the in-sample targets stay separate.
    """
    out = []
    for r in _read("inference_throughput.csv"):
        targets = bool(r["max_ttft_ms"].strip() or r["max_tpot_ms"].strip())
        split = r["split"].strip()
        heldout = " (held-out)" if split == "held-out" else ""
        p = _predict_row(
            r,
            kv_precision=r["kv_precision"] or None,
            tp=_opt_int(r["tp"]),
            ep=_opt_int(r["ep"]),
            pp=_opt_int(r["pp"]),
            batch_size=_opt_int(r["batch_size"]),
            max_ttft_ms=_opt_float(r["max_ttft_ms"]),
            max_tpot_ms=_opt_float(r["max_tpot_ms"]),
            framework=_deployed(
                _framework(r["framework"], r["accelerator"], r.get("framework_version", "")), r
            ),
            latency_percentile=_opt_float(r["latency_percentile"]),
            requests=_opt_int(r.get("requests") or ""),
            output_length_cv=float(r.get("output_length_cv") or 0.0),
            power_cap_w=_opt_float(r.get("power_cap_w") or ""),
        )
        out.append(
            ValidationCase(
                id=r["id"],
                category="inference",
                kind=("server throughput" if targets else "max throughput") + heldout,
                subject=f"{r['model']} on {r['count']}x {r['accelerator']} {r['precision']} "
                f"{r['input_tokens']}/{r['output_tokens']} ({r['framework']}; predicted {p.parallelism.label()}, "
                f"batch {p.batch_size}"
                + (")" if p.power_cap_w is None else f"; {p.power_cap_w:g} W power limit)"),
                quantity="output tokens/s (system)",
                unit="tokens/s",
                published=float(r["published_output_tokens_per_s"]),
                predicted=p.output_tokens_per_s,
                source=r["source"],
                group=f"{r['accelerator']} {r['precision']} {r['model']}" if heldout else r["model"],
                split=split,
                framework=r["framework"],
            )
        )
    return tuple(out)


@cache
def latency_cases() -> tuple[ValidationCase, ...]:
    """TTFT and TPOT at fixed concurrency on H100 (two cases per measured row, ``in-sample``)."""
    return _latency_cases("serving_latency_h100.csv", split="in-sample", suffix="")[0]


@cache
def heldout_latency_cases() -> tuple[ValidationCase, ...]:
    """TTFT and TPOT at fixed concurrency on H100, H200, B200 and GB200, ``held-out``.

    Rows of a later AIConfigurator silicon sample (``serving_latency_heldout.csv``) that were never
    used to choose a constant of the model; rows the model rejects (does not fit, a layout it
    cannot express) are skipped and counted by :func:`heldout_skipped`.
    """
    return _latency_cases("serving_latency_heldout.csv", split="held-out", suffix=" (held-out)")[0]


def heldout_skipped() -> dict[str, int]:
    """Held-out rows the model could not predict, by reason [-]."""
    return dict(_latency_cases("serving_latency_heldout.csv", split="held-out", suffix=" (held-out)")[1])


def benchmark_mean_ttft_ms(p: InferencePrediction) -> float:
    """The mean TTFT the fixed-concurrency benchmark reports for a prediction [ms]: one cold-start
    wave (all clients at once, ``burst_ttft``) among ``BENCHMARK_REQUESTS_PER_SLOT`` requests per
    client, the rest at the steady state."""
    n = BENCHMARK_REQUESTS_PER_SLOT
    return (p.burst_ttft_ms + (n - 1) * p.ttft_ms) / n


def latency_row_setup(r: dict[str, str]) -> dict[str, Any]:
    """The keywords of :func:`predict_inference` that one fixed-concurrency row ran with, besides its
    concurrency: KV precision (the row's, or the framework's default for the weights), layout (EP only
    for MoE models), the framework as that version ran, and speculative decoding where the row's
    deployment ran it (``speculative_draft_tokens``)."""
    arch = _arch(r["model"])
    setup: dict[str, Any] = {
        "kv_precision": r.get("kv_precision")
        or ("fp8" if (r["framework"] == "trtllm" and r["precision"] == "fp8") else "bf16"),
        "tp": int(r["tp"]),
        "ep": max(int(r["ep"]), 1) if arch.moe is not None else 1,
        "pp": int(r["pp"]),
        "framework": _framework(r["framework"], r["accelerator"], r.get("framework_version", "")),
    }
    if (r.get("speculative_draft_tokens") or "").strip():
        # MTP: each draft token runs one more transformer block of the model (DeepSeek-V3 report,
        # sec. 2.2), so drafting costs 1 / layers of a decode iteration per token
        setup["speculative"] = SpeculativeDecoding(
            draft_tokens=int(r["speculative_draft_tokens"]),
            acceptance_rate=float(r["speculative_acceptance"]),
            draft_cost_fraction=1.0 / arch.layers,
        )
    return setup


@cache
def _latency_cases(
    name: str, *, split: str, suffix: str
) -> tuple[tuple[ValidationCase, ...], tuple[tuple[str, int], ...]]:
    """The cases of one latency file and the rows skipped, counted by error type."""
    out = []
    skipped: dict[str, int] = {}
    source = _LATENCY_SOURCE if split == "in-sample" else _HELDOUT_SOURCE
    for r in _read(name):
        batch = int(r["batch_size"])
        try:
            setup = latency_row_setup(r)
            p = _predict_row(r, batch_size=batch, **setup)
        except StackplanError as exc:
            reason = type(exc).__name__
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        subject = (
            f"{r['model']} {r['framework']} {r['precision']} TP{r['tp']} EP{r['ep']} "
            f"{r['input_tokens']}/{r['output_tokens']} c{batch}"
        )
        if "speculative" in setup:
            subject += f" MTP{setup['speculative'].draft_tokens}"
        group = f"{r['model']} / {r['framework']} {r['precision']}"
        if split == "held-out":
            subject, group = f"{r['accelerator']} {subject}", f"{r['accelerator']} {group}"
        out += _latency_pair(
            r, p, "serving", suffix, subject=subject, group=group, source=source, split=split
        )
    return tuple(out), tuple(sorted(skipped.items()))


def _latency_pair(
    r: dict[str, str], p: InferencePrediction, prefix: str, suffix: str, *, subject: str, group: str, source: str,
    split: str,
) -> list[ValidationCase]:  # fmt: skip
    """The TTFT and TPOT cases of one measured row: TTFT averages the benchmark's first wave (all
    clients at once) into its ``BENCHMARK_REQUESTS_PER_SLOT`` requests per client."""
    ttft = benchmark_mean_ttft_ms(p)
    return [
        ValidationCase(
            id=f"{r['source_id']}-{quantity.lower()}",
            category="inference",
            kind=f"{prefix} {quantity}{suffix}",
            subject=subject,
            quantity=quantity,
            unit="ms",
            published=published,
            predicted=predicted,
            source=source + r["source_id"],
            group=group,
            split=split,
            framework=r["framework"],
        )
        for quantity, published, predicted in (
            ("TTFT", float(r["ttft_ms"]), ttft),
            ("TPOT", float(r["tpot_ms"]), p.tpot_ms),
        )
    ]


def disaggregated_latency_cases() -> tuple[ValidationCase, ...]:
    """TTFT and TPOT of disaggregated prefill and decode pools at fixed concurrency, ``held-out``.

    Rows of the same AIConfigurator silicon sample whose prefill and decode worker counts are
    recorded (``serving_disaggregated_heldout.csv``), predicted with the closed-loop disaggregated
    model (each pool in its own layout, the clients' requests queueing for the prefill pool, their
    KV caches moving to the decode pool). Rows the model rejects are counted by
    :func:`disaggregated_skipped`.
    """
    return _disaggregated_cases()[0]


def _decode_cap(r: dict[str, str]) -> int | None:
    """The decode workers' ``max_batch_size`` the row records (per attention-DP rank, as TensorRT-LLM and
    SGLang apply it), or None."""
    return int(r["decode_batch_size"]) if r.get("decode_batch_size") else None


def disaggregated_skipped() -> dict[str, int]:
    """Disaggregated rows the model could not predict, by reason [-]."""
    return dict(_disaggregated_cases()[1])


@cache
def _disaggregated_cases() -> tuple[tuple[ValidationCase, ...], tuple[tuple[str, int], ...]]:
    out = []
    skipped: dict[str, int] = {}
    for r in _read("serving_disaggregated_heldout.csv"):
        batch = int(r["batch_size"])
        dis = Disaggregation(
            prefill_devices=int(r["prefill_devices"]),
            decode_devices=int(r["decode_devices"]),
            prefill_tp=int(r["prefill_tp"]),
            prefill_ep=int(r["prefill_ep"]),
            prefill_pp=int(r["prefill_pp"]),
            prefill_max_batch_size=int(r["prefill_batch_size"]) if r.get("prefill_batch_size") else None,
        )
        try:
            p = _predict_row(
                r,
                kv_precision=r["kv_precision"],
                tp=int(r["decode_tp"]),
                ep=int(r["decode_ep"]),
                pp=int(r["decode_pp"]),
                batch_size=batch,
                framework=_framework(
                    r["framework"], r["accelerator"], r.get("framework_version", "")
                ).with_deployment(max_batch_size=_decode_cap(r)),
                disaggregated=dis,
            )
        except StackplanError as exc:
            reason = type(exc).__name__
            skipped[reason] = skipped.get(reason, 0) + 1
            continue
        subject = (
            f"{r['accelerator']} {r['model']} {r['framework']} {r['precision']} prefill {r['prefill_devices']} "
            f"(TP{r['prefill_tp']} EP{r['prefill_ep']}) / decode {r['decode_devices']} (TP{r['decode_tp']} "
            f"EP{r['decode_ep']}) {r['input_tokens']}/{r['output_tokens']} c{batch}"
        )
        group = f"{r['accelerator']} {r['model']} / {r['framework']} {r['precision']} disaggregated"
        out += _latency_pair(
            r,
            p,
            "disaggregated",
            " (held-out)",
            subject=subject,
            group=group,
            source=_HELDOUT_SOURCE,
            split="held-out",
        )
    return tuple(out), tuple(sorted(skipped.items()))


@register
def _inference_cases() -> Sequence[ValidationCase]:
    return (*throughput_cases(), *latency_cases(), *heldout_latency_cases(), *disaggregated_latency_cases())
