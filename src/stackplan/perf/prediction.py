"""``predict_training``: the orchestrator that turns user input into a :class:`TrainingPrediction`.

It validates the input (every error names the option, the value and the fix), resolves the model
and the accelerator, prices the given parallel configuration or searches all feasible ones
(:mod:`stackplan.perf.search`), and derives throughput, MFU, accelerator-hours (with the goodput
factor), wall-clock time and energy from the step time.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Literal

import numpy as np

from stackplan._numeric import SECONDS_PER_DAY
from stackplan.catalog.accelerators import Accelerator, get_accelerator
from stackplan.errors import DoesNotFitError, InvalidInputError, check_positive_int
from stackplan.models.architecture import ModelArchitecture
from stackplan.models.loader import resolve_model
from stackplan.perf.search import SearchResult, search
from stackplan.perf.training import (
    LORA_TARGETS,
    RECOMPUTE_CODES,
    SOFTWARE_STACKS,
    Configs,
    LoraTargets,
    Precision,
    SoftwareStack,
    StepArrays,
    model_flops_per_token,
)

__all__ = [
    "ALLOCATION_GOODPUT_FACTOR",
    "ALLOCATION_GOODPUT_SOURCE",
    "DEFAULT_GLOBAL_BATCH_TOKENS",
    "GOODPUT_FACTOR",
    "GOODPUT_SOURCE",
    "SearchInfo",
    "TrainingPrediction",
    "predict_training",
]

#: Share of allocated accelerator time that trains the model [-]: Meta reports more than 90%
#: effective training time for Llama 3 405B on 16,384 H100s despite 466 job interruptions in 54
#: days (419 unexpected), with automated restarts from checkpoints (Llama Team 2024, "The Llama 3
#: Herd of Models", arXiv:2407.21783, sec. 3.3.4). Time lost to failures, restarts, checkpoint
#: writes and recovery is charged to the run: ``hours = tokens / throughput / goodput``.
GOODPUT_FACTOR = 0.90
GOODPUT_SOURCE = (
    "Llama Team 2024, 'The Llama 3 Herd of Models', arXiv:2407.21783, sec. 3.3.4: >90% effective "
    "training time, 466 interruptions in 54 days on 16,384 H100"
)

#: Share of *allocated* accelerator-hours (what model cards report) that runs at in-run throughput
#: [-]. Allocation hours also hold evaluation, ramp-up, stragglers, debugging and idle time on top of
#: failures. Mean of two published ratios of allocation-level MFU to in-run MFU: PaLM 540B, 2.56e24
#: FLOPs in 8.40M TPU v4 chip-hours "including downtime" = 30.8% MFU vs 46.2% measured in the run
#: (Chowdhery et al. 2022 App. B): 0.67; Llama 3.1 405B, 3.8e25 FLOPs in 30.84M H100-hours
#: (Llama 3.1 model card) = 34.6% MFU vs 38-43% in the run (arXiv:2407.21783 Table 4): 0.85.
ALLOCATION_GOODPUT_FACTOR = 0.76
ALLOCATION_GOODPUT_SOURCE = (
    "mean of PaLM 540B (30.8% allocation-level vs 46.2% in-run MFU, Chowdhery et al. 2022 App. B) and "
    "Llama 3.1 405B (34.6% vs 38-43%, Llama 3.1 model card and arXiv:2407.21783 Table 4)"
)

#: Global batch used when none is given [tokens] (Llama 2: 4M tokens, Touvron et al. 2023 sec. 2.2;
#: GPT-3 175B: 3.2M, Brown et al. 2020 Table 2.1).
DEFAULT_GLOBAL_BATCH_TOKENS = 4 * 2**20

RecomputeName = Literal["none", "selective", "full"]
_RECOMPUTE_NAMES = {v: k for k, v in RECOMPUTE_CODES.items()}


@dataclass(frozen=True, kw_only=True)
class SearchInfo:
    """How the parallel configuration was found."""

    configurations_evaluated: int
    seconds: float


@dataclass(frozen=True, kw_only=True)
class TrainingPrediction:
    """A training prediction and the inputs it was made for (immutable).

    Throughputs are for the whole step including the pipeline bubble and exposed communication;
    ``accelerator_hours`` and ``wall_clock_days`` include :data:`GOODPUT_FACTOR`.
    """

    # inputs
    model: str
    accelerator: str
    count: int
    tokens: float | None
    seq_len: int
    global_batch_seqs: int
    precision: str
    software: str
    goodput: float
    lora_rank: int
    lora_targets: str
    document_tokens: int | None
    # chosen parallelism
    tp: int
    pp: int
    dp: int
    ep: int
    cp: int
    virtual_stages: int
    micro_batch: int
    microbatches: int
    recompute: str
    zero_stage: int
    sequence_parallel: bool
    # time
    step_time_s: float
    compute_s: float
    tp_comm_s: float
    cp_comm_s: float
    ep_comm_s: float
    bubble_s: float
    p2p_s: float
    dp_comm_s: float
    optimizer_s: float
    overhead_s: float
    # throughput and efficiency
    tokens_per_s: float
    tokens_per_s_per_device: float
    model_flops_per_token: float
    model_tflops_per_device: float
    hardware_tflops_per_device: float
    mfu: float
    hfu: float
    # memory per device [GiB]
    memory_gib_per_device: float
    memory_available_gib: float
    weights_gib: float
    grads_gib: float
    optimizer_gib: float
    activations_gib: float
    other_gib: float
    # totals (None without tokens)
    total_flops: float | None
    accelerator_hours: float | None
    wall_clock_days: float | None
    energy_mwh: float | None
    search: SearchInfo | None

    @property
    def parallelism(self) -> dict[str, int]:
        """``{tp, pp, dp, ep, cp}``."""
        return {"tp": self.tp, "pp": self.pp, "dp": self.dp, "ep": self.ep, "cp": self.cp}

    def to_dict(self) -> dict[str, object]:
        """The JSON contract of ``stackplan predict training --json`` plus every other field."""
        out: dict[str, object] = {
            "accelerator_hours": self.accelerator_hours,
            "wall_clock_days": self.wall_clock_days,
            "tokens_per_s_per_device": self.tokens_per_s_per_device,
            "model_tflops_per_device": self.model_tflops_per_device,
            "hardware_tflops_per_device": self.hardware_tflops_per_device,
            "mfu": self.mfu,
            "step_time_s": self.step_time_s,
            "memory_gib_per_device": self.memory_gib_per_device,
            "total_flops": self.total_flops,
            "energy_mwh": self.energy_mwh,
            "parallelism": self.parallelism,
        }
        if self.search is not None:
            out["search"] = {
                "configurations_evaluated": self.search.configurations_evaluated,
                "seconds": self.search.seconds,
            }
        out["inputs"] = {
            "model": self.model,
            "accelerator": self.accelerator,
            "count": self.count,
            "tokens": self.tokens,
            "seq_len": self.seq_len,
            "global_batch_seqs": self.global_batch_seqs,
            "precision": self.precision,
            "software": self.software,
            "goodput": self.goodput,
            "lora_rank": self.lora_rank,
            "lora_targets": self.lora_targets,
            "document_tokens": self.document_tokens,
        }
        out["configuration"] = {
            "virtual_stages": self.virtual_stages,
            "micro_batch": self.micro_batch,
            "microbatches": self.microbatches,
            "recompute": self.recompute,
            "zero_stage": self.zero_stage,
            "sequence_parallel": self.sequence_parallel,
        }
        out["step_breakdown_s"] = {
            "compute": self.compute_s,
            "tp_comm": self.tp_comm_s,
            "cp_comm": self.cp_comm_s,
            "ep_comm": self.ep_comm_s,
            "pipeline_bubble": self.bubble_s,
            "pipeline_p2p": self.p2p_s,
            "dp_comm": self.dp_comm_s,
            "optimizer": self.optimizer_s,
            "overhead": self.overhead_s,
        }
        out["memory_gib"] = {
            "weights": self.weights_gib,
            "grads": self.grads_gib,
            "optimizer": self.optimizer_gib,
            "activations": self.activations_gib,
            "other": self.other_gib,
            "available": self.memory_available_gib,
        }
        out["tokens_per_s"] = self.tokens_per_s
        out["hfu"] = self.hfu
        return out


# ---------------------------------------------------------------------------------------- checks
def _check_inputs(
    model: ModelArchitecture,
    count: int,
    *,
    tokens: float | None,
    seq_len: int,
    global_batch_seqs: int | None,
    precision: str,
    tp: int | None,
    pp: int | None,
    dp: int | None,
    ep: int | None,
    cp: int | None,
    virtual_stages: int | None,
    micro_batch: int | None,
    recompute: str | None,
    zero_stage: int | None,
    goodput: float,
    lora_rank: int,
) -> None:
    if isinstance(lora_rank, bool) or not isinstance(lora_rank, int | np.integer) or lora_rank < 0:
        raise InvalidInputError(
            "--lora-rank", "must be a whole number >= 0", lora_rank, "use 0 (full training) or e.g. 16"
        )
    if lora_rank >= model.hidden_size:
        raise InvalidInputError(
            "--lora-rank",
            f"the adapter rank must be below the hidden size {model.hidden_size}",
            lora_rank,
            "use a small rank such as 8-64",
        )
    for opt, val in (
        ("--count", count),
        ("--seq-len", seq_len),
        ("--global-batch-seqs", global_batch_seqs),
        ("--tp", tp),
        ("--pp", pp),
        ("--dp", dp),
        ("--ep", ep),
        ("--cp", cp),
        ("--virtual-stages", virtual_stages),
        ("--micro-batch", micro_batch),
    ):
        check_positive_int(opt, val)
    if tokens is not None and not (math.isfinite(tokens) and tokens > 0):
        raise InvalidInputError(
            "--tokens", "must be a positive number of tokens", tokens, "e.g. --tokens 15e12"
        )
    if precision not in ("bf16", "fp8", "fp4"):
        raise InvalidInputError("--precision", "unsupported precision", precision, "use bf16, fp8 or fp4")
    if recompute is not None and recompute not in RECOMPUTE_CODES:
        raise InvalidInputError(
            "--recompute", "unknown recompute mode", recompute, "use none, selective, full or block"
        )
    if zero_stage is not None and zero_stage not in (0, 1, 2, 3):
        raise InvalidInputError("--zero", "ZeRO stage must be 0, 1, 2 or 3", zero_stage, "use 0-3")
    if not (0 < goodput <= 1):
        raise InvalidInputError("goodput", "must be in (0, 1]", goodput, f"use e.g. {GOODPUT_FACTOR}")
    if tp is not None:
        if tp > model.heads or model.heads % tp:
            raise InvalidInputError(
                "--tp",
                f"tensor parallelism must divide the {model.heads} attention heads",
                tp,
                "use a divisor of the head count, e.g. "
                + ", ".join(str(k) for k in (1, 2, 4, 8) if model.heads % k == 0),
            )
        kv = model.kv_heads
        if kv % tp and tp % kv:
            raise InvalidInputError(
                "--tp",
                f"tensor parallelism and the {kv} KV heads must divide one another",
                tp,
                "use a divisor or multiple of the KV heads",
            )
    if pp is not None and pp > model.layers:
        raise InvalidInputError(
            "--pp", f"more pipeline stages than the {model.layers} layers", pp, f"use at most {model.layers}"
        )
    if cp is not None and seq_len % cp:
        raise InvalidInputError(
            "--cp",
            f"context parallelism must divide the sequence length {seq_len}",
            cp,
            "use a divisor of --seq-len",
        )
    if ep is not None and ep > 1:
        if model.moe is None:
            raise InvalidInputError(
                "--ep", "expert parallelism needs a mixture-of-experts model", ep, "omit --ep or use 1"
            )
        if model.moe.experts % ep:
            raise InvalidInputError(
                "--ep",
                f"expert parallelism must divide the {model.moe.experts} experts",
                ep,
                "use a divisor of the expert count",
            )
    mp = (tp or 1) * (pp or 1) * (cp or 1)
    if count % mp:
        raise InvalidInputError(
            "--count",
            f"the device count is not a multiple of tp x pp x cp = {mp}",
            count,
            f"use a multiple of {mp} devices or change --tp/--pp/--cp",
        )
    if dp is not None:
        if tp is not None and pp is not None and cp is not None and tp * pp * cp * dp != count:
            raise InvalidInputError(
                "--dp",
                f"tp x pp x cp x dp = {tp * pp * cp * dp} does not equal --count {count}",
                dp,
                f"use --dp {count // mp}",
            )
        if count % (mp * dp):
            raise InvalidInputError(
                "--dp", f"tp x pp x cp x dp does not divide --count {count}", dp, "adjust --dp"
            )
        if ep is not None and (dp * (cp or 1)) % ep:
            raise InvalidInputError(
                "--ep", "expert parallelism must divide dp x cp", ep, "use a divisor of dp x cp"
            )
        if global_batch_seqs is not None and global_batch_seqs % dp:
            raise InvalidInputError(
                "--global-batch-seqs",
                f"the global batch is not divisible by data parallelism dp={dp}",
                global_batch_seqs,
                f"use a multiple of {dp * (micro_batch or 1)} sequences",
            )
    if global_batch_seqs is not None and micro_batch is not None and global_batch_seqs % micro_batch:
        raise InvalidInputError(
            "--micro-batch",
            "must divide the global batch",
            micro_batch,
            "use a divisor of --global-batch-seqs",
        )
    if virtual_stages is not None and virtual_stages > 1:
        if pp is not None and pp == 1:
            raise InvalidInputError(
                "--virtual-stages",
                "interleaving needs pipeline parallelism",
                virtual_stages,
                "set --pp > 1 or use 1",
            )
        if pp is not None and pp * virtual_stages > model.layers:
            raise InvalidInputError(
                "--virtual-stages",
                f"pp x virtual stages exceeds the {model.layers} layers (each chunk needs a layer)",
                virtual_stages,
                f"use at most {model.layers // pp}",
            )


def _default_batch(seq_len: int, count: int) -> int:
    """Global batch when none is given: about DEFAULT_GLOBAL_BATCH_TOKENS, at least one sequence per device."""
    seqs = max(1, round(DEFAULT_GLOBAL_BATCH_TOKENS / seq_len))
    return max(seqs, count)


def _gib(x: float) -> float:
    return float(x) / 2**30


def _suggest_fit(
    arch: ModelArchitecture,
    acc: Accelerator,
    count: int,
    *,
    seq_len: int,
    batch: int,
    precision: Precision,
    stack: SoftwareStack,
    fixed_given: bool,
    lora_rank: int = 0,
    lora_targets: LoraTargets = "all",
    document_tokens: int | None = None,
) -> str:
    """The smallest parallelism (at this count) or device count that fits, as advice text."""
    if fixed_given:
        res = search(
            arch,
            acc,
            count,
            seq_len=seq_len,
            global_batch_seqs=batch,
            precision=precision,
            stack=stack,
            lora_rank=lora_rank,
            lora_targets=lora_targets,
            document_tokens=document_tokens,
        )
        if res.best is not None:
            c = res.configs.take(res.best)
            return (
                f"At {count} devices this fits with --tp {int(c.tp[0])} --pp {int(c.pp[0])} --dp {int(c.dp[0])} "
                f"--cp {int(c.cp[0])} --ep {int(c.ep[0])} --recompute {_RECOMPUTE_NAMES[int(c.rc[0])]}"
            )
    n = count
    for _ in range(14):
        n *= 2
        b = max(batch, n)
        b = int(math.ceil(b / n) * n)
        res = search(
            arch,
            acc,
            n,
            seq_len=seq_len,
            global_batch_seqs=b,
            precision=precision,
            stack=stack,
            lora_rank=lora_rank,
            lora_targets=lora_targets,
            document_tokens=document_tokens,
        )
        if res.best is not None:
            return f"The smallest power-of-two multiple of --count that fits is {n} devices"
    return "It does not fit even on 16,384 times as many devices; use a larger-memory accelerator"


# ---------------------------------------------------------------------------------------- predict
def predict_training(
    model: str | ModelArchitecture,
    accelerator: str | Accelerator,
    count: int,
    *,
    tokens: float | None = None,
    seq_len: int = 4096,
    global_batch_seqs: int | None = None,
    precision: str = "bf16",
    tp: int | None = None,
    pp: int | None = None,
    dp: int | None = None,
    ep: int | None = None,
    cp: int | None = None,
    recompute: str | None = None,
    virtual_stages: int | None = None,
    micro_batch: int | None = None,
    zero_stage: int | None = None,
    sequence_parallel: bool = True,
    software: str | SoftwareStack = "megatron-core",
    goodput: float = GOODPUT_FACTOR,
    lora_rank: int = 0,
    lora_targets: str = "all",
    document_tokens: int | None = None,
) -> TrainingPrediction:
    """Predict training time, throughput, efficiency and memory for ``model`` on ``count`` accelerators.

    Parameters
    ----------
    model
        Catalogue id, path to a Stackplan model file (YAML) or Hugging Face ``config.json``, or a
        :class:`~stackplan.models.ModelArchitecture`.
    accelerator
        Catalogue id or :class:`~stackplan.catalog.Accelerator`.
    count
        Accelerators in the cluster [-].
    tokens
        Training tokens [tokens]; without it the totals (hours, days, FLOPs, energy) are ``None``.
    seq_len
        Sequence length [tokens].
    global_batch_seqs
        Global batch [sequences]; default about 4M tokens (:data:`DEFAULT_GLOBAL_BATCH_TOKENS`) and
        at least one sequence per device.
    precision
        GEMM precision of the transformer blocks: ``bf16``, ``fp8`` or ``fp4``.
    tp, pp, dp, ep, cp, recompute, virtual_stages, micro_batch, zero_stage
        Parallel configuration; any left ``None`` is searched (all feasible values) and the
        fastest configuration that fits in memory is chosen.
    sequence_parallel
        Megatron sequence parallelism whenever ``tp > 1``.
    software
        Software-stack preset (:data:`~stackplan.perf.training.SOFTWARE_STACKS`) or a
        :class:`~stackplan.perf.training.SoftwareStack`.
    goodput
        Share of allocated time that trains [-] (default :data:`GOODPUT_FACTOR`).
    lora_rank
        0 (default) for full training; ``r > 0`` for LoRA fine-tuning with rank-``r`` adapters on
        every attention and dense-MLP weight matrix: frozen base weights (no weight gradients,
        gradients or optimizer states for them), ~2/3 of the full-training FLOPs
        (:func:`~stackplan.perf.training.model_flops_per_token`).
    lora_targets
        ``all`` (default: every attention and dense-MLP weight) or ``qkv`` (the fused QKV projection
        only, the NeMo 1.x default); see :data:`~stackplan.perf.training.LORA_TARGETS`.
    document_tokens
        Mean document length in packed sequences [tokens]; attention runs within documents
        (``None``: one document per sequence).

    Raises
    ------
    InvalidInputError
        Zero, negative or inconsistent numbers, naming the option.
    UnknownIdError
        Unknown model or accelerator id (lists the closest ids).
    DoesNotFitError
        Nothing fits in memory: memory needed vs available and the smallest parallelism or device
        count that fits.
    """
    arch = resolve_model(model)
    acc = accelerator if isinstance(accelerator, Accelerator) else get_accelerator(accelerator)
    if isinstance(software, SoftwareStack):
        stack = software
    elif software in SOFTWARE_STACKS:
        stack = SOFTWARE_STACKS[software]
    else:
        raise InvalidInputError(
            "software", "unknown software stack", software, "use one of " + ", ".join(SOFTWARE_STACKS)
        )
    _check_inputs(
        arch,
        count,
        tokens=tokens,
        seq_len=seq_len,
        global_batch_seqs=global_batch_seqs,
        precision=precision,
        tp=tp,
        pp=pp,
        dp=dp,
        ep=ep,
        cp=cp,
        virtual_stages=virtual_stages,
        micro_batch=micro_batch,
        recompute=recompute,
        zero_stage=zero_stage,
        goodput=goodput,
        lora_rank=lora_rank,
    )
    if lora_targets not in LORA_TARGETS:
        raise InvalidInputError(
            "--lora-targets",
            "unknown adapter placement",
            lora_targets,
            "use one of " + ", ".join(LORA_TARGETS),
        )
    if document_tokens is not None and (
        isinstance(document_tokens, bool) or not isinstance(document_tokens, int) or document_tokens <= 0
    ):
        raise InvalidInputError(
            "--document-tokens", "must be a whole number > 0", document_tokens, "e.g. 200, or leave it out"
        )
    targets: LoraTargets = lora_targets  # type: ignore[assignment]
    prec: Precision = precision  # type: ignore[assignment]
    batch = global_batch_seqs if global_batch_seqs is not None else _default_batch(seq_len, count)
    rc = RECOMPUTE_CODES[recompute] if recompute is not None else None
    fixed = {
        "tp": tp,
        "pp": pp,
        "dp": dp,
        "cp": cp,
        "ep": ep if ep is not None else (1 if arch.moe is None else None),
        "v": virtual_stages,
        "micro_batch": micro_batch,
        "recompute": rc,
        "zero": zero_stage,
    }
    all_given = all(val is not None for val in fixed.values())
    start = time.perf_counter()
    res: SearchResult = search(
        arch,
        acc,
        count,
        seq_len=seq_len,
        global_batch_seqs=batch,
        precision=prec,
        stack=stack,
        sequence_parallel=sequence_parallel,
        lora_rank=lora_rank,
        lora_targets=targets,
        document_tokens=document_tokens,
        **fixed,
    )
    seconds = time.perf_counter() - start
    if res.configs.size == 0:
        raise InvalidInputError(
            "--global-batch-seqs",
            f"no parallel configuration of {count} devices divides the global batch of {batch} sequences "
            "with the options given",
            batch,
            "use a global batch that is a multiple of the data-parallel size, or fewer fixed options",
        )
    if res.best is None:
        i = int(np.argmin(res.results.memory_bytes))
        raise DoesNotFitError(
            f"{arch.name} does not fit on {count} x {acc.id}"
            + (" with the parallelism given" if not all(v is None for v in fixed.values()) else ""),
            needed_gib=_gib(res.results.memory_bytes[i]),
            available_gib=acc.hbm_gb * 1e9 / 2**30,
            suggestion=_suggest_fit(
                arch,
                acc,
                count,
                seq_len=seq_len,
                batch=batch,
                precision=prec,
                stack=stack,
                fixed_given=any(val is not None for key, val in fixed.items() if key != "ep"),
                lora_rank=lora_rank,
                lora_targets=targets,
                document_tokens=document_tokens,
            ),
        )
    return _prediction(
        arch,
        acc,
        count,
        res,
        search_info=None
        if all_given
        else SearchInfo(configurations_evaluated=res.configurations_evaluated, seconds=seconds),
        tokens=tokens,
        seq_len=seq_len,
        batch=batch,
        precision=precision,
        stack=stack,
        goodput=goodput,
        lora_rank=lora_rank,
        lora_targets=targets,
        document_tokens=document_tokens,
    )


def _prediction(
    arch: ModelArchitecture,
    acc: Accelerator,
    count: int,
    res: SearchResult,
    *,
    search_info: SearchInfo | None,
    tokens: float | None,
    seq_len: int,
    batch: int,
    precision: str,
    stack: SoftwareStack,
    goodput: float,
    lora_rank: int,
    lora_targets: LoraTargets,
    document_tokens: int | None,
) -> TrainingPrediction:
    assert res.best is not None
    i = res.best
    c: Configs = res.configs
    r: StepArrays = res.results
    step = float(r.step_time_s[i])
    tokens_step = batch * seq_len
    tok_s = tokens_step / step
    flops_tok = model_flops_per_token(arch, seq_len, lora_rank=lora_rank, lora_targets=lora_targets)
    model_tflops = r.model_flops_per_step / step / count / 1e12
    hw_tflops = float(r.hardware_flops_per_step[i]) / step / count / 1e12
    peak = acc.peak_tflops(precision)
    hours = days = energy = total = None
    if tokens is not None:
        total = tokens * flops_tok
        seconds_run = tokens / tok_s / goodput
        days = seconds_run / SECONDS_PER_DAY
        hours = seconds_run * count / 3600.0
        energy = hours * acc.tdp_w / 1e6  # [MWh] device TDP basis, as model cards report
    return TrainingPrediction(
        model=arch.name,
        accelerator=acc.id,
        count=count,
        tokens=tokens,
        seq_len=seq_len,
        global_batch_seqs=batch,
        precision=precision,
        software=stack.name,
        goodput=goodput,
        lora_rank=lora_rank,
        lora_targets=lora_targets,
        document_tokens=document_tokens,
        tp=int(c.tp[i]),
        pp=int(c.pp[i]),
        dp=int(c.dp[i]),
        ep=int(c.ep[i]),
        cp=int(c.cp[i]),
        virtual_stages=int(c.v[i]),
        micro_batch=int(c.b[i]),
        microbatches=int(r.microbatches[i]),
        recompute=_RECOMPUTE_NAMES[int(c.rc[i])],
        zero_stage=int(c.zero[i]),
        sequence_parallel=bool(c.sp[i]),
        step_time_s=step,
        compute_s=float(r.compute_s[i]),
        tp_comm_s=float(r.tp_comm_s[i]),
        cp_comm_s=float(r.cp_comm_s[i]),
        ep_comm_s=float(r.ep_comm_s[i]),
        bubble_s=float(r.bubble_s[i]),
        p2p_s=float(r.p2p_s[i]),
        dp_comm_s=float(r.dp_comm_s[i]),
        optimizer_s=float(r.optimizer_s[i]),
        overhead_s=float(r.overhead_s[i]),
        tokens_per_s=tok_s,
        tokens_per_s_per_device=tok_s / count,
        model_flops_per_token=flops_tok,
        model_tflops_per_device=model_tflops,
        hardware_tflops_per_device=hw_tflops,
        mfu=model_tflops / peak,
        hfu=hw_tflops / peak,
        memory_gib_per_device=_gib(r.memory_bytes[i]),
        memory_available_gib=acc.hbm_gb * 1e9 / 2**30,
        weights_gib=_gib(r.weights_bytes[i]),
        grads_gib=_gib(r.grads_bytes[i]),
        optimizer_gib=_gib(r.optimizer_bytes[i]),
        activations_gib=_gib(r.activations_bytes[i]),
        other_gib=_gib(r.other_bytes[i]),
        total_flops=total,
        accelerator_hours=hours,
        wall_clock_days=days,
        energy_mwh=energy,
        search=search_info,
    )
