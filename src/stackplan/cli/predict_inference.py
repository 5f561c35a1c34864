"""``stackplan predict inference``: serving throughput, latency and memory (thin layer)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from stackplan.cli._common import console, handle_errors, print_json
from stackplan.cli._serving import (
    FrameworkOpt,
    InputTokensOpt,
    MaxTpotOpt,
    MaxTtftOpt,
    ModelOpt,
    OutputLengthCvOpt,
    OutputTokensOpt,
    PrecisionOpt,
    PriceOpt,
    PricingOpt,
    ProviderOpt,
    RegionOpt,
    cost_dict,
    device_rate,
    rate_label,
)
from stackplan.cli.predict import predict_app
from stackplan.economics.cloud import CloudRate, TokenCosts
from stackplan.errors import InvalidInputError
from stackplan.perf.inference import (
    Disaggregation,
    SpeculativeDecoding,
    predict_inference,
    serving_framework_for,
)
from stackplan.validation.accuracy import QUANTITY_LABELS, inference_accuracy


@predict_app.command("inference")
@handle_errors
def inference(
    model: ModelOpt,
    accelerator: Annotated[str, typer.Option("--accelerator", help="Catalogue accelerator id.")],
    count: Annotated[int, typer.Option("--count", help="Number of accelerators.")],
    input_tokens: InputTokensOpt,
    output_tokens: OutputTokensOpt,
    precision: PrecisionOpt = None,
    kv_precision: Annotated[
        str | None,
        typer.Option("--kv-precision", help="KV cache: bf16, fp8 or fp4 (default from --precision)."),
    ] = None,
    tp: Annotated[
        int | None, typer.Option("--tp", help="Tensor-parallel degree (searched when not given).")
    ] = None,
    ep: Annotated[int | None, typer.Option("--ep", help="Expert-parallel degree (MoE).")] = None,
    pp: Annotated[int | None, typer.Option("--pp", help="Pipeline stages.")] = None,
    batch_size: Annotated[
        int | None,
        typer.Option(
            "--batch-size",
            help="Concurrent requests of the whole system (with --max-ttft-ms/--max-tpot-ms: the layout that meets them at it).",
        ),
    ] = None,
    max_ttft_ms: MaxTtftOpt = None,
    max_tpot_ms: MaxTpotOpt = None,
    latency_percentile: Annotated[
        float | None,
        typer.Option(
            "--latency-percentile",
            help="Apply the TTFT/TPOT targets to this percentile under Poisson arrivals (e.g. 99).",
        ),
    ] = None,
    prefix_cache_hit_rate: Annotated[
        float, typer.Option("--prefix-cache-hit-rate", help="Share of prompt tokens from the prefix cache.")
    ] = 0.0,
    output_length_cv: OutputLengthCvOpt = 0.0,
    spec_draft_tokens: Annotated[
        int,
        typer.Option("--spec-draft-tokens", help="Speculative decoding: tokens drafted per step (0 = off)."),
    ] = 0,
    spec_acceptance: Annotated[
        float, typer.Option("--spec-acceptance", help="Speculative decoding: acceptance rate per token.")
    ] = 0.7,
    spec_draft_cost: Annotated[
        float,
        typer.Option("--spec-draft-cost", help="Draft cost per token relative to a target decode step."),
    ] = 0.05,
    prefill_devices: Annotated[
        int | None, typer.Option("--prefill-devices", help="Disaggregated: devices of the prefill pool.")
    ] = None,
    prefill_tp: Annotated[
        int | None,
        typer.Option(
            "--prefill-tp",
            help="Disaggregated: the prefill pool's TP (--tp/--ep/--pp set the decode pool's).",
        ),
    ] = None,
    prefill_ep: Annotated[
        int | None,
        typer.Option("--prefill-ep", help="Disaggregated: the prefill pool's EP (TP1 EPn: attention DP)."),
    ] = None,
    prefill_pp: Annotated[
        int | None, typer.Option("--prefill-pp", help="Disaggregated: the prefill pool's pipeline stages.")
    ] = None,
    prefill_max_batch: Annotated[
        int | None,
        typer.Option(
            "--prefill-max-batch",
            help="Disaggregated: prompts a prefill worker (attention rank) takes per iteration (Dynamo's default 1).",
        ),
    ] = None,
    framework: FrameworkOpt = "auto",
    max_num_tokens: Annotated[
        int | None,
        typer.Option(
            "--max-num-tokens",
            help="Token budget of one iteration (max_num_tokens / max_num_batched_tokens / "
            "chunked_prefill_size); default the framework's.",
        ),
    ] = None,
    max_batch_per_instance: Annotated[
        int | None,
        typer.Option(
            "--max-batch-per-instance",
            help="Most sequences one model instance runs at once (max_batch_size / max_num_seqs); "
            "default the framework's.",
        ),
    ] = None,
    chunked_prefill: Annotated[
        bool | None,
        typer.Option(
            "--chunked-prefill/--no-chunked-prefill",
            help="Split long prompts over iterations; default the framework's.",
        ),
    ] = None,
    memory_fraction: Annotated[
        float | None,
        typer.Option(
            "--memory-fraction",
            help="Share of HBM weights and the KV cache may use; default the framework's.",
        ),
    ] = None,
    moe_backend: Annotated[
        str | None,
        typer.Option(
            "--moe-backend",
            help="MoE kernel backend (TensorRT-LLM CUTLASS or TRTLLM; SGLang/vLLM triton, flashinfer_trtllm, "
            "flashinfer_cutlass); default the framework's on the chip (stackplan catalog frameworks).",
        ),
    ] = None,
    async_scheduling: Annotated[
        bool | None,
        typer.Option(
            "--async-scheduling/--no-async-scheduling",
            help="Overlap each iteration's CPU work with the GPU's (vLLM --async-scheduling, on by default "
            "from vLLM 0.14); default the framework's.",
        ),
    ] = None,
    power_cap_w: Annotated[
        float | None,
        typer.Option(
            "--power-cap-w",
            help="Board power limit per device [W] below its TDP (nvidia-smi -pl): compute slows with the "
            "clock the chip sustains under it; default the TDP.",
        ),
    ] = None,
    pricing: PricingOpt = "on_demand",
    provider: ProviderOpt = None,
    region: RegionOpt = None,
    usd_per_device_hour: PriceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Maximum throughput, throughput at --batch-size, or the best meeting --max-ttft-ms/--max-tpot-ms.

    Also what a million tokens costs at the lowest catalogue price of the accelerator
    (--pricing, --provider, --region) or at --usd-per-device-hour.
    """
    speculative = (
        SpeculativeDecoding(
            draft_tokens=spec_draft_tokens,
            acceptance_rate=spec_acceptance,
            draft_cost_fraction=spec_draft_cost,
        )
        if spec_draft_tokens > 0
        else None
    )
    if prefill_devices is None and (prefill_tp, prefill_ep, prefill_pp, prefill_max_batch) != (None,) * 4:
        raise InvalidInputError(
            "--prefill-tp",
            "a prefill layout needs a disaggregated prefill pool",
            f"tp {prefill_tp}, ep {prefill_ep}, pp {prefill_pp}",
            "give --prefill-devices too, or leave the prefill layout out",
        )
    disaggregated = (
        Disaggregation(
            prefill_devices=prefill_devices,
            decode_devices=count - prefill_devices,
            prefill_tp=prefill_tp,
            prefill_ep=prefill_ep,
            prefill_pp=prefill_pp,
            prefill_max_batch_size=prefill_max_batch,
        )
        if prefill_devices is not None
        else None
    )
    fw = serving_framework_for(accelerator, framework).with_deployment(
        max_num_tokens=max_num_tokens,
        max_batch_size=max_batch_per_instance,
        chunked_prefill=chunked_prefill,
        memory_fraction=memory_fraction,
        moe_backend=moe_backend,
        async_scheduling=async_scheduling,
    )
    p = predict_inference(
        model,
        accelerator,
        count,
        input_tokens=input_tokens,
        output_tokens=output_tokens,
        precision=precision,
        kv_precision=kv_precision,
        tp=tp,
        ep=ep,
        pp=pp,
        batch_size=batch_size,
        max_ttft_ms=max_ttft_ms,
        max_tpot_ms=max_tpot_ms,
        prefix_cache_hit_rate=prefix_cache_hit_rate,
        speculative=speculative,
        disaggregated=disaggregated,
        framework=fw,
        latency_percentile=latency_percentile,
        output_length_cv=output_length_cv,
        power_cap_w=power_cap_w,
    )
    rate = device_rate(p.accelerator, pricing, provider, region, usd_per_device_hour)
    tc = p.token_costs(rate.usd_per_accelerator_hour) if rate is not None else None
    if as_json:
        print_json({**p.as_dict(), "cost": cost_dict(rate, p.count, tc)})
        return
    title = {
        "max_throughput": "maximum throughput",
        "at_batch_size": f"at {batch_size} concurrent requests",
        "latency_targets": "best throughput meeting the latency targets",
    }[p.mode]
    t = Table(title=f"{p.model} on {p.count} x {p.accelerator}: {title}")
    t.add_column("quantity")
    t.add_column("value", justify="right")
    par = p.parallelism
    rows = [
        ("output tokens/s (system)", f"{p.output_tokens_per_s:,.0f}"),
        ("output tokens/s per device", f"{p.output_tokens_per_s_per_device:,.0f}"),
        ("TTFT, ms (steady state)", f"{p.ttft_ms:,.1f}"),
        ("TTFT, ms (all requests at once)", f"{p.burst_ttft_ms:,.1f}"),
        ("TPOT, ms", f"{p.tpot_ms:,.2f}"),
        *(
            [
                (f"p{p.latency_percentile:g} TTFT, ms (Poisson arrivals)", f"{p.ttft_percentile_ms:,.1f}"),
                (f"p{p.latency_percentile:g} TPOT, ms (Poisson arrivals)", f"{p.tpot_percentile_ms:,.2f}"),
            ]
            if p.latency_percentile is not None
            and p.ttft_percentile_ms is not None
            and p.tpot_percentile_ms is not None
            else []
        ),
        ("concurrent requests (batch)", f"{p.batch_size:,} (memory allows {p.max_batch_size:,})"),
        (
            "parallelism",
            f"{p.replicas} replica(s) x TP{par.tp} EP{par.ep} PP{par.pp} ({par.devices} devices)",
        ),
        ("precision (weights / KV)", f"{p.precision} / {p.kv_precision}"),
        ("framework", p.framework),
        *(
            [
                (
                    "  settings",
                    f"{p.framework_settings.max_num_tokens:,} tokens/iteration, "
                    f"{'chunked' if p.framework_settings.chunked_prefill else 'whole-prompt'} prefill, "
                    f"<= {p.framework_settings.max_batch_size:,} sequences/instance, "
                    f"{p.framework_settings.memory_fraction:.0%} of HBM, "
                    f"MoE backend {p.framework_settings.moe_backend or 'default'}"
                    + (", async scheduling" if p.framework_settings.async_scheduling else ""),
                )
            ]
            if p.framework_settings is not None
            else []
        ),
        ("decode iteration, ms", _parts(p.decode_iteration_ms)),
        ("prefill of one prompt, ms", _parts(p.prefill_iteration_ms)),
        ("memory per device, GiB", f"{p.memory_gib_per_device:,.1f}"),
        ("  weights, GiB", f"{p.weights_gib_per_device:,.1f}"),
        ("  KV cache, GiB", f"{p.kv_cache_gib:,.1f}"),
        (
            "board power per device, W",
            f"{p.accelerator_power_w:,.0f}" + (" (power limit)" if p.power_cap_w is not None else " (TDP)"),
        ),
        ("  boards' energy per output token, J", f"{p.accelerator_energy_j_per_output_token:,.3f}"),
        *_cost_rows(p.count, rate, tc, p.prefill_time_share, where=provider),
    ]
    for k, v in rows:
        t.add_row(k, v)
    console.print(t)
    for note in p.notes:
        console.print(f"note: {note}", highlight=False)
    console.print(accuracy_line(p.framework, disaggregated=p.disaggregated is not None), highlight=False)


def _cost_rows(
    devices: int,
    rate: CloudRate | None,
    tc: TokenCosts | None,
    prefill_share: float,
    where: str | None = None,
) -> list[tuple[str, str]]:
    """Table rows: the device-hour price used and what a million tokens costs at it."""
    if rate is None or tc is None:
        at = f" at {where}" if where else ""
        return [("cost", f"no catalogue price for this accelerator{at}: give --usd-per-device-hour")]

    def usd(v: float | None) -> str:
        return "-" if v is None else f"{v:,.3f}"

    return [
        ("price, USD per device-hour", f"{rate.usd_per_accelerator_hour:,.2f} ({rate_label(rate)})"),
        ("cost, USD per hour", f"{rate.usd_per_accelerator_hour * devices:,.2f}"),
        (
            "USD per million tokens",
            f"output {usd(tc.usd_per_million_output)}, input {usd(tc.usd_per_million_input)} "
            f"(prompts {prefill_share:.0%} of device time); blended {usd(tc.usd_per_million_blended)}",
        ),
        ("  output tokens carrying all cost", usd(tc.usd_per_million_output_all_in)),
    ]


_PART_NAMES = {
    "dense_gemm": "weights + GEMMs",
    "expert_gemm": "experts",
    "decode_attention": "KV read",
    "prefill_attention": "attention",
    "elementwise": "activations",
    "tp_allreduce": "TP all-reduce",
    "ep_alltoall": "EP all-to-all",
    "kernel_latency": "kernel latency",
    "moe_prefill_latency": "MoE prefill sync",
    "pp_handoff": "PP hand-off",
    "cpu": "CPU",
}


def _parts(parts: tuple[tuple[str, float], ...]) -> str:
    """``total = largest parts`` of an iteration breakdown, e.g. ``31.66 = weights + GEMMs 15.12, ...``."""
    total = sum(v for _, v in parts)
    shown = sorted(((v, k) for k, v in parts if v > 0.0), reverse=True)
    head = ", ".join(f"{_PART_NAMES.get(k, k)} {v:,.2f}" for v, k in shown[:4])
    rest = sum(v for v, _ in shown[4:])
    return f"{total:,.2f} = {head}" + (f", other {rest:,.2f}" if rest > 0.0 else "")


def accuracy_line(framework: str, *, disaggregated: bool = False) -> str:
    """How close such predictions have been to measurements the model never saw (one line); for
    disaggregated pools TTFT and TPOT are those of the held-out disaggregated rows."""
    acc = inference_accuracy("held-out", framework, disaggregated=disaggregated)
    parts = [
        f"{QUANTITY_LABELS[q]} {a.median_abs_error:.1%} (9 in 10 within {a.p90_abs_error:.0%}, "
        f"{a.cases:,} {'' if a.framework == 'all' else a.framework + ' '}cases)"
        for q, a in acc.items()
        if q in QUANTITY_LABELS
    ]
    return (
        "accuracy on held-out measurements, median |error|: "
        + "; ".join(parts)
        + " - stackplan validate --category inference"
    )
