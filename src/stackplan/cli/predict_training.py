"""``stackplan predict training``: a thin layer over :func:`stackplan.predict_training`."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from stackplan.cli._common import console, handle_errors, print_json
from stackplan.perf.prediction import GOODPUT_FACTOR, TrainingPrediction, predict_training

__all__ = ["render_training", "training"]


def _num(text: str | None, option: str) -> float | None:
    """Parse ``--tokens`` given as ``15e12`` or ``15000000000000``."""
    if text is None:
        return None
    try:
        return float(text.replace("_", "").replace(",", ""))
    except ValueError:
        from stackplan.errors import InvalidInputError

        raise InvalidInputError(option, "not a number", text, "e.g. --tokens 15e12") from None


def _opt(value: float | None, fmt: str) -> str:
    return "-" if value is None else format(value, fmt)


def render_training(p: TrainingPrediction) -> None:
    """Print a prediction as readable tables (used by ``predict training`` and ``demo``)."""
    head = Table(title=f"Training: {p.model} on {p.count} x {p.accelerator} ({p.precision}, {p.software})")
    head.add_column("quantity")
    head.add_column("value", justify="right")
    rows = [
        ("tokens", _opt(p.tokens, ",.4g")),
        ("sequence length x global batch", f"{p.seq_len:,} x {p.global_batch_seqs:,} sequences"),
        (f"accelerator-hours (goodput {p.goodput:.0%})", _opt(p.accelerator_hours, ",.0f")),
        ("wall-clock days", _opt(p.wall_clock_days, ",.1f")),
        ("tokens/s per device", f"{p.tokens_per_s_per_device:,.0f}"),
        ("model TFLOP/s per device", f"{p.model_tflops_per_device:,.1f}"),
        ("hardware TFLOP/s per device", f"{p.hardware_tflops_per_device:,.1f}"),
        ("MFU / HFU", f"{p.mfu:.1%} / {p.hfu:.1%}"),
        ("step time", f"{p.step_time_s:,.3f} s"),
        ("memory per device", f"{p.memory_gib_per_device:,.1f} of {p.memory_available_gib:,.1f} GiB"),
        ("total model FLOPs", _opt(p.total_flops, ".3e")),
        ("energy (device TDP)", _opt(p.energy_mwh, ",.1f") + (" MWh" if p.energy_mwh is not None else "")),
    ]
    for k, v in rows:
        head.add_row(k, v)
    console.print(head)

    par = Table(title="Parallelism" + (" (searched)" if p.search else " (given)"))
    for col in (
        "tp",
        "pp",
        "dp",
        "ep",
        "cp",
        "virtual stages",
        "micro-batch",
        "recompute",
        "ZeRO",
        "seq. parallel",
    ):
        par.add_column(col, justify="right")
    par.add_row(
        str(p.tp),
        str(p.pp),
        str(p.dp),
        str(p.ep),
        str(p.cp),
        str(p.virtual_stages),
        f"{p.micro_batch} (x{p.microbatches})",
        p.recompute,
        str(p.zero_stage),
        "yes" if p.sequence_parallel else "no",
    )
    console.print(par)
    if p.search is not None:
        console.print(
            f"search: {p.search.configurations_evaluated:,} feasible configurations evaluated in "
            f"{p.search.seconds:.3f} s"
        )

    step = Table(title=f"Step time breakdown ({p.step_time_s:,.3f} s)")
    step.add_column("part")
    step.add_column("seconds", justify="right")
    step.add_column("share", justify="right")
    parts = [
        ("compute (GEMMs, attention, element-wise)", p.compute_s),
        ("exposed tensor-parallel communication", p.tp_comm_s),
        ("exposed context-parallel communication", p.cp_comm_s),
        ("expert-parallel all-to-all", p.ep_comm_s),
        ("pipeline bubble", p.bubble_s),
        ("pipeline sends", p.p2p_s),
        ("exposed data-parallel communication", p.dp_comm_s),
        ("optimizer step", p.optimizer_s),
        ("framework overhead", p.overhead_s),
    ]
    for name, t in parts:
        step.add_row(name, f"{t:,.3f}", f"{t / p.step_time_s:.1%}")
    console.print(step)

    memt = Table(title=f"Memory per device ({p.memory_gib_per_device:,.1f} GiB)")
    memt.add_column("part")
    memt.add_column("GiB", justify="right")
    for name, g in (
        ("weights", p.weights_gib),
        ("gradients", p.grads_gib),
        ("optimizer states", p.optimizer_gib),
        ("activations", p.activations_gib),
        ("other (working set, fragmentation, runtime)", p.other_gib),
    ):
        memt.add_row(name, f"{g:,.2f}")
    console.print(memt)


def training(
    model: Annotated[
        str, typer.Option("--model", help="Catalogue id, Stackplan model file or HF config.json.")
    ],
    accelerator: Annotated[
        str, typer.Option("--accelerator", help="Accelerator id (stackplan catalog accelerators).")
    ],
    count: Annotated[int, typer.Option("--count", help="Number of accelerators.")],
    tokens: Annotated[str | None, typer.Option("--tokens", help="Training tokens, e.g. 15e12.")] = None,
    seq_len: Annotated[int, typer.Option("--seq-len", help="Sequence length [tokens].")] = 4096,
    global_batch_seqs: Annotated[
        int | None, typer.Option("--global-batch-seqs", help="Global batch [sequences]; default ~4M tokens.")
    ] = None,
    precision: Annotated[str, typer.Option("--precision", help="bf16, fp8 or fp4.")] = "bf16",
    tp: Annotated[int | None, typer.Option("--tp", help="Tensor parallelism (searched if omitted).")] = None,
    pp: Annotated[
        int | None, typer.Option("--pp", help="Pipeline parallelism (searched if omitted).")
    ] = None,
    dp: Annotated[int | None, typer.Option("--dp", help="Data parallelism (searched if omitted).")] = None,
    ep: Annotated[int | None, typer.Option("--ep", help="Expert parallelism (searched if omitted).")] = None,
    cp: Annotated[int | None, typer.Option("--cp", help="Context parallelism (searched if omitted).")] = None,
    recompute: Annotated[
        str | None, typer.Option("--recompute", help="none, selective or full (searched if omitted).")
    ] = None,
    virtual_stages: Annotated[
        int | None, typer.Option("--virtual-stages", help="Interleaved pipeline chunks per device.")
    ] = None,
    micro_batch: Annotated[int | None, typer.Option("--micro-batch", help="Micro-batch [sequences].")] = None,
    zero: Annotated[int | None, typer.Option("--zero", help="ZeRO stage 0-3 (3 = FSDP).")] = None,
    software: Annotated[
        str, typer.Option("--software", help="Software stack: megatron-core or megatron-lm-2021.")
    ] = "megatron-core",
    goodput: Annotated[
        float, typer.Option("--goodput", help="Share of allocated time that trains.")
    ] = GOODPUT_FACTOR,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Predict training time, throughput, MFU and memory; searches the parallelism not given."""
    p = predict_training(
        model,
        accelerator,
        count,
        tokens=_num(tokens, "--tokens"),
        seq_len=seq_len,
        global_batch_seqs=global_batch_seqs,
        precision=precision,
        tp=tp,
        pp=pp,
        dp=dp,
        ep=ep,
        cp=cp,
        recompute=recompute,
        virtual_stages=virtual_stages,
        micro_batch=micro_batch,
        zero_stage=zero,
        software=software,
        goodput=goodput,
    )
    if as_json:
        print_json(p.to_dict())
    else:
        render_training(p)


def register(app: typer.Typer) -> None:
    """Add ``training`` to the ``predict`` sub-app."""
    app.command("training")(handle_errors(training))
