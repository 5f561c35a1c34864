"""Compute sizing: accelerators per workload and accelerator type, year by year.

This module is the ONE place where the plan calls the performance engines
(:mod:`stackplan.perf.training`, :mod:`stackplan.perf.inference`). For every workload and every
accelerator the deployment allows it returns a :class:`WorkloadOption` (devices at peak, busy
accelerator-hours, load shape, tokens, power) or an :class:`Unfit` with the reason.

Demand model
------------
* Training and fine-tuning: the smallest device count (a multiple of the scale-up domain, at most
  8) whose predicted wall-clock time meets ``deadline_days``; busy hours = accelerator-hours per run
  x runs per year. Load shape ``step``: the run's devices are busy for the run, idle otherwise.
  LoRA fine-tuning is priced by the training engine's LoRA path (frozen base weights, rank
  :data:`LORA_RANK` adapters: no weight gradients or optimizer states for the base weights).
* Inference: devices to serve the peak request rate ``requests_per_day / 86400 x peak_to_average
  x (1 + yearly_growth)^t`` within the TTFT/TPOT targets; busy hours = peak devices /
  peak_to_average x 8760 (autoscaled, devices follow the load). Load shape ``ramp``: a linear
  load-duration curve from the peak down, whose mean is the average load.
* Batch: devices to process a day's requests within ``window_hours``; shape ``step``.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import numpy.typing as npt

from stackplan._numeric import HOURS_PER_YEAR, SECONDS_PER_DAY
from stackplan.catalog import get_accelerator, get_model
from stackplan.catalog.serving import get_moe_kernel_efficiency
from stackplan.errors import DoesNotFitError, InvalidInputError, StackplanError
from stackplan.scenario.schema import (
    BatchWorkload,
    DataClass,
    FineTuningWorkload,
    InferenceWorkload,
    Scenario,
    ServingSetup,
    TrainingWorkload,
)
from stackplan.sizing.quantity import ComponentSizing, Sized

if TYPE_CHECKING:
    from stackplan.perf.prediction import TrainingPrediction

__all__ = [
    "HOURS_PER_YEAR",
    "LORA_RANK",
    "ComputeDemand",
    "Unfit",
    "WorkloadKind",
    "WorkloadOption",
    "component_sizing",
    "load_duration_curve",
    "size_compute",
]

#: Adapter rank used to size LoRA fine-tunes [-] (NeMo's default adapter dimension 32; Hu et al.
#: 2021, arXiv:2106.09685, use ranks 1-64).
LORA_RANK = 32
#: Points of the load-duration curves the costing works on [-].
LDC_POINTS = 200

WorkloadKind = Literal["training", "fine_tuning", "inference", "batch"]
Shape = Literal["step", "ramp"]


@dataclass(frozen=True, kw_only=True)
class WorkloadOption:
    """How one workload runs on one accelerator type, per plan year.

    Attributes
    ----------
    peak_devices
        Devices busy at the same time at peak, per plan year [devices].
    busy_hours
        Accelerator-hours used per plan year, lost goodput included [h].
    lost_goodput_share
        Share of ``busy_hours`` lost to failures, restarts and checkpointing [-].
    shape
        ``step`` (peak devices busy for ``busy_hours / peak_devices`` hours, idle otherwise) or
        ``ramp`` (a linear load-duration curve from the peak down with mean busy_hours / 8760).
    hours_per_run
        Accelerator-hours per training or fine-tuning run [h]; ``None`` for services.
    runs_per_year
        Runs per plan year [-] (training and fine-tuning).
    input_tokens_per_year, output_tokens_per_year
        Tokens processed per plan year [tokens] (inference and batch).
    prefill_time_share
        Share of device time spent on the input tokens (prefill) [-]; splits cost between input
        and output tokens.
    tdp_w
        Board power of one device [W] (the energy model applies the load factor).
    """

    workload_id: str
    kind: WorkloadKind
    accelerator: str
    data_class: DataClass
    peak_devices: tuple[float, ...]
    busy_hours: tuple[float, ...]
    lost_goodput_share: float
    shape: Shape
    hours_per_run: float | None = None
    runs_per_year: tuple[float, ...] = ()
    input_tokens_per_year: tuple[float, ...] = ()
    output_tokens_per_year: tuple[float, ...] = ()
    prefill_time_share: float = 0.0
    tdp_w: float
    interruptible: bool = False
    source: str
    detail: dict[str, float] = field(default_factory=dict)


@dataclass(frozen=True, kw_only=True)
class Unfit:
    """A workload that cannot run on an accelerator type, with the reason."""

    workload_id: str
    accelerator: str
    reason: str


@dataclass(frozen=True, kw_only=True)
class ComputeDemand:
    """Every option of every workload on every allowed accelerator."""

    years: tuple[int, ...]
    options: tuple[WorkloadOption, ...]
    unfit: tuple[Unfit, ...]

    def options_for(self, workload_id: str) -> tuple[WorkloadOption, ...]:
        return tuple(o for o in self.options if o.workload_id == workload_id)

    def unfit_for(self, workload_id: str) -> tuple[Unfit, ...]:
        return tuple(u for u in self.unfit if u.workload_id == workload_id)


def load_duration_curve(
    *, peak_devices: float, busy_hours: float, shape: Shape, points: int = LDC_POINTS
) -> npt.NDArray[np.float64]:
    """Devices busy at ``points`` evenly spaced duration quantiles of the year, highest first.

    ``step``: ``peak`` for the first ``d = busy_hours / (peak x 8760)`` of the year, 0 after.
    ``ramp``: linear from the peak down with mean ``a = busy_hours / 8760``: to ``2a - peak`` over the
    whole year when ``a >= peak / 2``; else to 0 at duration ``2a / peak`` and 0 after.
    The mean of the curve times 8760 equals ``busy_hours`` (up to discretisation).
    Reference: load-duration curves and the screening-curve method, Stoft, *Power System
    Economics* (2002), ch. 3.
    """
    q = (np.arange(points, dtype=np.float64) + 0.5) / points
    if peak_devices <= 0 or busy_hours <= 0:
        return np.zeros(points)
    avg = min(busy_hours / HOURS_PER_YEAR, peak_devices)
    if shape == "step":
        duty = avg / peak_devices
        step: npt.NDArray[np.float64] = np.clip(duty * points - np.arange(points), 0.0, 1.0) * peak_devices
        return step
    if avg >= peak_devices / 2:
        floor = 2 * avg - peak_devices
        return peak_devices - (peak_devices - floor) * q
    frac = 2 * avg / peak_devices
    out: npt.NDArray[np.float64] = np.clip(peak_devices * (1 - q / frac), 0.0, None)
    return out


# --------------------------------------------------------------------------- performance-engine adapter


@dataclass(frozen=True)
class _TrainRun:
    devices: int
    accelerator_hours: float
    wall_clock_days: float
    lost_goodput_share: float
    mfu: float
    source: str


@dataclass(frozen=True)
class _Serving:
    replica_devices: int
    requests_per_s_per_replica: float
    prefill_time_share: float
    ttft_ms: float
    tpot_ms: float
    source: str


#: Largest cluster the training search tries [devices].
MAX_TRAINING_DEVICES = 262_144
#: Predictions the cluster-size search may make per workload and accelerator [-].
MAX_TRAINING_TRIES = 6
#: MFU of the first cluster-size guess only (the prediction then decides) [-]: the lower end of
#: published large-run MFU (15-40%, e.g. DeepSeek-V3 and Llama 3 reports), so the guess rarely
#: falls short and the search usually needs one prediction.
GUESS_MFU = 0.2


def _tp_candidates(model: str, accelerator: str, count: int) -> list[int]:
    """Tensor-parallel degrees the sizing search tries: powers of two up to the accelerator's
    scale-up (NVLink) domain that divide the device count and the attention heads.

    Tensor parallelism stays inside a server / scale-up domain (Narayanan et al. 2021, "Efficient
    Large-Scale Language Model Training on GPU Clusters Using Megatron-LM", sec. 3.3, takeaway 1):
    across the scale-out network its all-reduces dominate, so the full search never prefers it for
    sizing and leaving it out halves the configurations priced.
    """
    arch = get_model(model).architecture
    domain = get_accelerator(accelerator).scaleup_domain_size
    heads, kv = arch.heads, arch.kv_heads
    out, tp = [], 1
    while tp <= domain:
        if count % tp == 0 and heads % tp == 0 and (kv % tp == 0 or tp % kv == 0):
            out.append(tp)
        tp *= 2
    return out or [1]


def _fastest(preds: Sequence[TrainingPrediction]) -> TrainingPrediction:
    """The prediction with the highest throughput (the first one on a tie, i.e. the lowest TP)."""
    best = preds[0]
    for p in preds[1:]:
        if p.tokens_per_s > best.tokens_per_s:
            best = p
    return best


def _search_count(
    model: str,
    accelerator: str,
    count: int,
    *,
    tokens: float,
    seq_len: int,
    precision: str,
    lora_rank: int,
    pattern: TrainingPrediction | None,
) -> TrainingPrediction:
    """Fastest configuration on ``count`` devices.

    With ``pattern`` (the best configuration found at a neighbouring count) only that pattern is
    priced, data parallelism taking up the new count (one evaluation instead of a search); the
    caller falls back to a search when it misses the deadline. Without it, one search per
    tensor-parallel degree of :func:`_tp_candidates` (``DoesNotFitError`` when none fits).
    """
    from stackplan.perf.prediction import predict_training

    common: dict[str, Any] = {
        "tokens": tokens,
        "seq_len": seq_len,
        "precision": precision,
        "lora_rank": lora_rank,
    }
    if pattern is not None:
        return predict_training(
            model,
            accelerator,
            count,
            tp=pattern.tp,
            pp=pattern.pp,
            cp=pattern.cp,
            ep=pattern.ep,
            virtual_stages=pattern.virtual_stages,
            micro_batch=pattern.micro_batch,
            zero_stage=pattern.zero_stage,
            recompute=pattern.recompute,
            **common,
        )
    preds: list[TrainingPrediction] = []
    last_error: DoesNotFitError | None = None
    for tp in _tp_candidates(model, accelerator, count):
        try:
            preds.append(predict_training(model, accelerator, count, tp=tp, **common))
        except DoesNotFitError as err:
            last_error = err
    if not preds:
        if last_error is None:  # pragma: no cover - _tp_candidates always gives at least TP 1
            raise StackplanError(f"no tensor-parallel degree to search for {model} on {accelerator}")
        raise last_error
    return _fastest(preds)


@cache
def _train_run(
    model: str,
    accelerator: str,
    tokens: float,
    seq_len: int,
    precision: str,
    deadline_days: float,
    lora_rank: int = 0,
) -> _TrainRun:
    """Smallest cluster (a multiple of the server size, doubling) that meets the deadline.

    Searches are the expensive part of a plan (hundreds of thousands of configurations each), so:
    one search at the first guess; a larger count first re-prices the best configuration found so
    far with more data parallelism (one evaluation) and searches again only when that misses the
    deadline. The counts tried, and so the count chosen, are those of a full search at every step
    (the re-priced pattern is only accepted when it meets the deadline, which the full search at
    that count then also does); the hours may be slightly higher than the count's own optimum.
    """
    acc = get_accelerator(accelerator)
    step = min(acc.scaleup_domain_size, 8)
    arch = get_model(model).architecture
    # first guess from the model FLOPs at GUESS_MFU, then rescaled by the predicted time
    flops = arch.model_flops_per_token_training(seq_len) * tokens
    guess = flops / (acc.peak_tflops(precision) * 1e12 * GUESS_MFU * deadline_days * SECONDS_PER_DAY)
    count = max(step, step * 2 ** max(0, math.ceil(math.log2(max(guess / step, 1.0)))))
    last_error: StackplanError | None = None
    best = None
    kw: dict[str, Any] = {
        "tokens": tokens,
        "seq_len": seq_len,
        "precision": precision,
        "lora_rank": lora_rank,
    }
    for _ in range(MAX_TRAINING_TRIES):
        if count > MAX_TRAINING_DEVICES:
            break
        pred = None
        if best is not None:
            try:
                pred = _search_count(model, accelerator, count, pattern=best, **kw)
            except StackplanError:
                pred = None
            if pred is not None and (pred.wall_clock_days or math.inf) > deadline_days:
                pred = None  # the pattern misses: search this count in full
        if pred is None:
            try:
                pred = _search_count(model, accelerator, count, pattern=None, **kw)
            except DoesNotFitError as err:
                last_error = err
                count *= 2
                continue
        best = pred
        days = pred.wall_clock_days if pred.wall_clock_days is not None else math.inf
        if days <= deadline_days:
            break
        # scale the cluster by the time still missing (near-linear data-parallel scaling), then check
        factor = days / deadline_days * 1.05
        count = step * 2 ** math.ceil(math.log2(max(count * factor / step, 2.0)))
    if best is None:
        raise last_error or StackplanError("no cluster size fits")
    best_days = best.wall_clock_days if best.wall_clock_days is not None else math.inf
    if best_days > deadline_days:
        raise StackplanError(
            f"no cluster of up to {best.count:,} {accelerator} meets the {deadline_days:g}-day deadline "
            f"({best_days:,.1f} days predicted)"
        )
    hours = float(best.accelerator_hours or 0.0)
    goodput = float(best.goodput)
    return _TrainRun(
        devices=int(best.count),
        accelerator_hours=hours,
        wall_clock_days=best_days,
        lost_goodput_share=max(0.0, 1.0 - goodput),
        mfu=float(best.mfu),
        source=(
            f"stackplan.perf.prediction.predict_training: {best.count} x {accelerator}, "
            f"TP{best.tp} PP{best.pp} DP{best.dp} EP{best.ep}, MFU {best.mfu:.0%}, goodput {best.goodput:.0%}"
        ),
    )


#: Framework defaults (``auto``: TensorRT-LLM on NVIDIA, vLLM elsewhere) when a workload sets none.
_DEFAULT_SERVING = ServingSetup()


@cache
def _serving(
    model: str,
    accelerator: str,
    requests_per_s: float,
    input_tokens: int,
    output_tokens: int,
    max_ttft_ms: float | None,
    max_tpot_ms: float | None,
    precision: str,
    output_length_cv: float = 0.0,
    serving: ServingSetup = _DEFAULT_SERVING,
) -> _Serving:
    """Replica size and sustained request rate per replica within the latency targets, from
    :func:`stackplan.perf.inference.size_inference_service` at the service's highest peak rate,
    run with the workload's serving framework and deployment settings."""
    from stackplan.perf.inference import serving_framework_for, size_inference_service

    base = serving_framework_for(accelerator, serving.framework)
    moe_backend = serving.moe_backend
    if moe_backend is not None:
        try:
            get_moe_kernel_efficiency(base.id, accelerator, precision, moe_backend)
        except InvalidInputError:
            moe_backend = None  # not measured on this chip at this precision: the default runs
    framework = base.with_deployment(
        max_num_tokens=serving.max_num_tokens,
        max_batch_size=serving.max_batch_per_instance,
        chunked_prefill=serving.chunked_prefill,
        memory_fraction=serving.memory_fraction,
        moe_backend=moe_backend,
        async_scheduling=serving.async_scheduling,
    )
    sizing = size_inference_service(
        model,
        requests_per_s=requests_per_s,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        max_ttft_ms=max_ttft_ms,
        max_tpot_ms=max_tpot_ms,
        accelerators=[accelerator],
        precision=precision,
        output_length_cv=output_length_cv,
        framework=framework,
        power_limit_fraction=serving.power_limit_fraction,
    )
    opt = sizing.options[0]
    if opt.devices is None or opt.prediction is None:
        raise StackplanError(opt.reason or f"{model} cannot be served on {accelerator}")
    pred = opt.prediction
    replica = opt.devices // max(opt.replicas, 1)
    ttft, tpot = float(pred.ttft_ms), float(pred.tpot_ms)
    return _Serving(
        replica_devices=replica,
        requests_per_s_per_replica=float(pred.output_tokens_per_s) / output_tokens,
        prefill_time_share=pred.prefill_time_share,
        ttft_ms=ttft,
        tpot_ms=tpot,
        source=(
            f"stackplan.perf.inference.size_inference_service: {replica} x {accelerator} per replica, "
            f"batch {pred.batch_size}, TTFT {ttft:,.0f} ms, TPOT {tpot:,.1f} ms, {framework.id} "
            f"({framework.prefill_chunk_tokens:,} tokens/iteration, "
            f"{'chunked' if framework.chunked_prefill else 'whole-prompt'} prefill, "
            f"MoE backend {framework.moe_backend or 'default'}"
            f"{', async scheduling' if framework.async_scheduling else ''}"
            + (
                ""
                if serving.power_limit_fraction is None
                else f", boards limited to {serving.power_limit_fraction:.0%} of their TDP"
            )
            + "); "
            + _held_out_accuracy(framework.id)
        ),
    )


def _held_out_accuracy(framework: str) -> str:
    """The engine's held-out median |error| for this framework, for a sizing's source line."""
    from stackplan.validation.accuracy import QUANTITY_LABELS, inference_accuracy

    acc = inference_accuracy("held-out", framework)
    parts = [f"{name} {acc[q].median_abs_error:.0%}" for q, name in QUANTITY_LABELS.items() if q in acc]
    return "held-out median |error| " + ", ".join(parts) + " (stackplan validate --category inference)"


# ----------------------------------------------------------------------------------------- per workload


def _year_active(years: Sequence[int] | None, t: int) -> bool:
    return years is None or t in years


def _training_option(w: TrainingWorkload | FineTuningWorkload, acc: str, horizon: int) -> WorkloadOption:
    lora = isinstance(w, FineTuningWorkload) and w.method == "lora"
    run = _train_run(
        w.model, acc, w.tokens, w.seq_len, w.precision, w.deadline_days, lora_rank=LORA_RANK if lora else 0
    )
    hours_per_run = run.accelerator_hours
    runs = tuple(w.repeats_per_year if _year_active(w.years, t) else 0.0 for t in range(horizon))
    busy = tuple(hours_per_run * r for r in runs)
    peak = tuple(max(float(run.devices), b / HOURS_PER_YEAR) if b > 0 else 0.0 for b in busy)
    kind: WorkloadKind = "fine_tuning" if isinstance(w, FineTuningWorkload) else "training"
    return WorkloadOption(
        workload_id=w.id,
        kind=kind,
        accelerator=acc,
        data_class=w.data_class,
        peak_devices=peak,
        busy_hours=busy,
        lost_goodput_share=run.lost_goodput_share,
        shape="step",
        hours_per_run=hours_per_run,
        runs_per_year=runs,
        tdp_w=get_accelerator(acc).tdp_w,
        interruptible=True,
        source=run.source
        + (f"; LoRA rank {LORA_RANK}, frozen base weights (Hu et al. 2021)" if lora else ""),
        detail={
            "devices_per_run": float(run.devices),
            "wall_clock_days": run.wall_clock_days,
            "mfu": run.mfu,
        },
    )


def _service_option(w: InferenceWorkload | BatchWorkload, acc: str, horizon: int) -> WorkloadOption:
    growth = max((1 + w.yearly_growth) ** t for t in range(horizon))
    if isinstance(w, InferenceWorkload):
        peak_factor, busy_share = w.peak_to_average, 1.0
        shape: Shape = "ramp"
        top_rps = w.requests_per_day / SECONDS_PER_DAY * peak_factor * growth
        srv = _serving(
            w.model, acc, top_rps, w.input_tokens, w.output_tokens, w.max_ttft_ms, w.max_tpot_ms, w.precision,
            w.output_length_cv, w.serving,
        )  # fmt: skip
    else:
        peak_factor, busy_share = SECONDS_PER_DAY / (w.window_hours * 3600), w.window_hours / 24
        shape = "step"
        top_rps = w.requests_per_day / SECONDS_PER_DAY * peak_factor * growth
        srv = _serving(
            w.model, acc, top_rps, w.input_tokens, w.output_tokens, None, None, w.precision, serving=w.serving
        )
    peaks, busy, tin, tout = [], [], [], []
    for t in range(horizon):
        req_day = w.requests_per_day * (1 + w.yearly_growth) ** t
        peak_rps = req_day / SECONDS_PER_DAY * peak_factor
        replicas = math.ceil(peak_rps / srv.requests_per_s_per_replica - 1e-9)
        devices = float(max(1, replicas) * srv.replica_devices)
        peaks.append(devices)
        if shape == "ramp":
            # devices follow the load: the mean load needs peak / peak_to_average devices,
            # never less than one replica kept warm
            busy.append(max(devices / peak_factor, srv.replica_devices) * HOURS_PER_YEAR)
        else:
            busy.append(devices * busy_share * HOURS_PER_YEAR)
        tin.append(req_day * 365 * w.input_tokens)
        tout.append(req_day * 365 * w.output_tokens)
    kind: WorkloadKind = "inference" if isinstance(w, InferenceWorkload) else "batch"
    return WorkloadOption(
        workload_id=w.id,
        kind=kind,
        accelerator=acc,
        data_class=w.data_class,
        peak_devices=tuple(peaks),
        busy_hours=tuple(busy),
        lost_goodput_share=0.0,
        shape=shape,
        input_tokens_per_year=tuple(tin),
        output_tokens_per_year=tuple(tout),
        prefill_time_share=srv.prefill_time_share,
        # a board power limit is what a busy board then draws (the energy model's load factor applies)
        tdp_w=get_accelerator(acc).tdp_w * (w.serving.power_limit_fraction or 1.0),
        interruptible=kind == "batch",
        source=srv.source,
        detail={
            "replica_devices": float(srv.replica_devices),
            "requests_per_s_per_replica": srv.requests_per_s_per_replica,
            "ttft_ms": srv.ttft_ms,
            "tpot_ms": srv.tpot_ms,
        },
    )


def size_compute(scenario: Scenario) -> ComputeDemand:
    """Every workload on every accelerator of ``deployment.accelerators``, from the perf engines."""
    horizon = scenario.organization.horizon_years
    options: list[WorkloadOption] = []
    unfit: list[Unfit] = []
    for w in scenario.workloads.all():
        for acc in scenario.deployment.accelerators:
            try:
                if isinstance(w, TrainingWorkload | FineTuningWorkload):
                    options.append(_training_option(w, acc, horizon))
                elif isinstance(w, InferenceWorkload | BatchWorkload):
                    options.append(_service_option(w, acc, horizon))
            except DoesNotFitError as err:
                unfit.append(Unfit(workload_id=w.id, accelerator=acc, reason=str(err)))
            except StackplanError as err:
                unfit.append(Unfit(workload_id=w.id, accelerator=acc, reason=str(err)))
    return ComputeDemand(years=scenario.years, options=tuple(options), unfit=tuple(unfit))


def component_sizing(demand: ComputeDemand, chosen: Sequence[WorkloadOption]) -> ComponentSizing:
    """The compute component: devices per workload (chosen option) and pooled per type and year."""
    qs: list[Sized] = []
    for o in chosen:
        y_peak = max(range(len(demand.years)), key=lambda t: o.peak_devices[t])
        qs.append(
            Sized(
                name=f"{o.accelerator} at peak",
                value=o.peak_devices[y_peak],
                unit="devices",
                source=o.source,
                scope=o.workload_id,
                year=demand.years[y_peak],
            )
        )
        if o.hours_per_run is not None:
            qs.append(
                Sized(
                    name="accelerator-hours per run",
                    value=o.hours_per_run,
                    unit="accelerator-h",
                    source=o.source,
                    scope=o.workload_id,
                )
            )
    accs = sorted({o.accelerator for o in chosen})
    for t, year in enumerate(demand.years):
        for acc in accs:
            mine = [o for o in chosen if o.accelerator == acc]
            qs.append(
                Sized(
                    name=f"{acc} pooled peak",
                    value=sum(o.peak_devices[t] for o in mine),
                    unit="devices",
                    source="sum of workload peaks (coincident peaks assumed)",
                    scope="pooled",
                    year=year,
                )
            )
            qs.append(
                Sized(
                    name=f"{acc} busy hours",
                    value=sum(o.busy_hours[t] for o in mine),
                    unit="accelerator-h/year",
                    source="sum of workload busy hours",
                    scope="pooled",
                    year=year,
                )
            )
    notes = tuple(f"{u.workload_id} cannot run on {u.accelerator}: {u.reason}" for u in demand.unfit)
    return ComponentSizing(component="compute", quantities=tuple(qs), notes=notes)
