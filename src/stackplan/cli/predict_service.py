"""``stackplan predict service``: devices of each accelerator type a service needs, and the cost (thin layer)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from stackplan.catalog import accelerator_ids, get_accelerator
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
from stackplan.economics.cloud import CloudRate, TokenCosts, token_costs
from stackplan.perf.inference import InferenceSizing, ServiceSizing, size_inference_service


@predict_app.command("service")
@handle_errors
def service(
    model: ModelOpt,
    requests_per_s: Annotated[
        float, typer.Option("--requests-per-s", help="Peak requests per second the service must sustain.")
    ],
    input_tokens: InputTokensOpt,
    output_tokens: OutputTokensOpt,
    max_ttft_ms: MaxTtftOpt = None,
    max_tpot_ms: MaxTpotOpt = None,
    accelerators: Annotated[
        list[str] | None,
        typer.Option(
            "--accelerator",
            metavar="<str>",
            help="Accelerator id to size (repeat it; default: the whole catalogue).",
        ),
    ] = None,
    precision: PrecisionOpt = None,
    framework: FrameworkOpt = "auto",
    output_length_cv: OutputLengthCvOpt = 0.0,
    power_limit_fraction: Annotated[
        float | None,
        typer.Option(
            "--power-limit-fraction",
            help="Run every device under a board power limit of this share of its TDP (0.25-1): slower "
            "compute, less energy per token; default the TDP.",
        ),
    ] = None,
    pricing: PricingOpt = "on_demand",
    provider: ProviderOpt = None,
    region: RegionOpt = None,
    usd_per_device_hour: PriceOpt = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON instead of tables.")] = False,
) -> None:
    """Devices of each accelerator type a service needs within its latency targets, and the cost.

    For each type: the fewest devices (replicas x the best layout meeting the targets) that sustain
    --requests-per-s, the cost per hour at the lowest catalogue price (or --usd-per-device-hour) and
    what a million tokens costs. Cheapest first.
    """
    for a in accelerators or []:
        get_accelerator(a, field="--accelerator")
    ids = accelerators or list(accelerator_ids())
    columns = (
        TextColumn("sizing"),
        BarColumn(),
        TextColumn("{task.completed}/{task.total} accelerators"),
        TimeElapsedColumn(),
    )
    with Progress(*columns, console=console, transient=True, disable=as_json) as bar:
        task = bar.add_task("accelerators", total=len(ids))
        sizing = size_inference_service(
            model,
            requests_per_s=requests_per_s,
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            max_ttft_ms=max_ttft_ms,
            max_tpot_ms=max_tpot_ms,
            accelerators=ids,
            precision=precision,
            framework=framework,
            output_length_cv=output_length_cv,
            progress=lambda done: bar.update(task, completed=done),
            power_limit_fraction=power_limit_fraction,
        )
    rows = []
    for o in sizing.options:
        rate = device_rate(o.accelerator, pricing, provider, region, usd_per_device_hour)
        tc = _service_token_costs(sizing, o, rate)
        rows.append((o, rate, tc))
    rows.sort(key=lambda r: _order(r[0], r[1]))
    if as_json:
        print_json(
            {
                "model": sizing.model,
                "requests_per_s": sizing.requests_per_s,
                "input_tokens": sizing.input_tokens,
                "output_tokens": sizing.output_tokens,
                "max_ttft_ms": sizing.max_ttft_ms,
                "max_tpot_ms": sizing.max_tpot_ms,
                "options": [
                    {
                        "accelerator": o.accelerator,
                        "devices": o.devices,
                        "replicas": o.replicas,
                        "reason": o.reason or None,
                        "prediction": None if o.prediction is None else o.prediction.as_dict(),
                        "cost": None if o.devices is None else cost_dict(rate, o.devices, tc),
                    }
                    for o, rate, tc in rows
                ],
            }
        )
        return
    targets = " and ".join(
        f"{name} <= {v:g} ms" for name, v in (("TTFT", max_ttft_ms), ("TPOT", max_tpot_ms)) if v is not None
    )
    t = Table(
        title=f"{sizing.model}: {requests_per_s:g} requests/s of {input_tokens:,}/{output_tokens:,} tokens"
        + (f", {targets}" if targets else "")
    )
    for col in ("accelerator", "devices", "layout", "TTFT ms", "TPOT ms", "USD/h", "USD/M out"):
        left = col in ("accelerator", "layout")
        t.add_column(col, justify="left" if left else "right", no_wrap=col == "accelerator")
    unfit = []
    for o, rate, tc in rows:
        p = o.prediction
        if o.devices is None or p is None:
            unfit.append(o)
            continue
        par = p.parallelism
        per_hour = None if rate is None else rate.usd_per_accelerator_hour * o.devices
        t.add_row(
            o.accelerator,
            f"{o.devices:,}",
            f"{o.replicas} x TP{par.tp}"
            + (f" EP{par.ep}" if par.ep > 1 else "")
            + (f" PP{par.pp}" if par.pp > 1 else "")
            + f" {p.precision}",
            f"{p.ttft_ms:,.0f}",
            f"{p.tpot_ms:,.1f}",
            "-" if per_hour is None else f"{per_hour:,.2f}",
            "-" if tc is None or tc.usd_per_million_output is None else f"{tc.usd_per_million_output:,.3f}",
        )
    console.print(t)
    for o in unfit:
        console.print(f"cannot serve on {o.accelerator}: {_short(o.reason, 300)}", highlight=False)
    priced = [r for r in rows if r[1] is not None and r[0].devices is not None]
    if priced:
        o, rate, tc = priced[0]
        assert rate is not None
        blended = (
            "" if tc is None or tc.usd_per_million_blended is None else f"{tc.usd_per_million_blended:,.3f}"
        )
        console.print(
            f"cheapest: {o.devices} x {o.accelerator} at {rate.usd_per_accelerator_hour:,.2f} USD per device-hour "
            f"({rate_label(rate)}), {blended} USD per million tokens in + out; prices from "
            "`stackplan catalog prices`, token costs at the service's rate (whole replicas, so some capacity "
            "is spare; input/output split and blended prices in --json)",
            highlight=False,
        )
    console.print(
        "latency and throughput: the inference model's predictions "
        "(held-out accuracy: stackplan validate --category inference)",
        highlight=False,
    )


def _service_token_costs(
    sizing: InferenceSizing, o: ServiceSizing, rate: CloudRate | None
) -> TokenCosts | None:
    """Token prices of the sized service at its required rate (spare capacity is paid for)."""
    if rate is None or o.devices is None or o.prediction is None:
        return None
    out_per_s = sizing.requests_per_s * sizing.output_tokens
    return token_costs(
        rate.usd_per_accelerator_hour * o.devices / 3600.0,
        sizing.requests_per_s * sizing.input_tokens,
        out_per_s,
        o.prediction.prefill_time_share,
    )


def _order(o: ServiceSizing, rate: CloudRate | None) -> tuple[int, float, str]:
    if o.devices is None:
        return (2, 0.0, o.accelerator)
    if rate is None:
        return (1, float(o.devices), o.accelerator)
    return (0, rate.usd_per_accelerator_hour * o.devices, o.accelerator)


def _short(reason: str, limit: int = 90) -> str:
    text = " ".join(reason.split())
    return text if len(text) <= limit else text[: limit - 3] + "..."
