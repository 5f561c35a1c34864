"""``stackplan catalog ...``: list the shipped catalogues with their sources."""

from __future__ import annotations

import math
from typing import Annotated

import typer
from rich import box
from rich.table import Table

from stackplan.catalog import CATALOG_VERSION, list_accelerators, list_models
from stackplan.catalog.serving import (
    list_host_overheads,
    list_inference_efficiencies,
    list_moe_kernel_efficiencies,
    list_serving_frameworks,
    sglang_chunk_tokens,
)
from stackplan.cli._common import console, handle_errors, print_json

catalog_app = typer.Typer(
    rich_markup_mode=None, help="List the shipped catalogues (dated, with sources).", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def _fmt(value: float | None, digits: int = 0) -> str:
    return "-" if value is None else f"{value:,.{digits}f}"


@catalog_app.command("accelerators")
@handle_errors
def accelerators(as_json: JsonOpt = False) -> None:
    """Accelerators: peak TFLOP/s, HBM, interconnect, power and achievable efficiencies."""
    accs = list_accelerators()
    if as_json:
        print_json(
            {
                "catalog_version": CATALOG_VERSION,
                "accelerators": [a.__dict__ for a in accs],
                "inference_efficiency": [e.__dict__ for e in list_inference_efficiencies()],
            }
        )
        return
    t = Table(title=f"Accelerators (catalogue {CATALOG_VERSION}; dense TFLOP/s, per device)")
    for col in (
        "id",
        "bf16",
        "fp8",
        "fp4",
        "HBM GB",
        "HBM TB/s",
        "scale-up GB/s x domain",
        "scale-out GB/s",
        "TDP W",
        "matmul eff.",
        "mem-bw eff.",
        "source (date)",
    ):
        t.add_column(col, overflow="fold")
    for a in accs:
        t.add_row(
            a.id,
            _fmt(a.peak_tflops_bf16),
            _fmt(a.peak_tflops_fp8),
            _fmt(a.peak_tflops_fp4),
            _fmt(a.hbm_gb),
            _fmt(a.hbm_bandwidth_tb_s, 2),
            f"{a.scaleup_bandwidth_gb_s:,.0f} x {a.scaleup_domain_size} ({a.scaleup_topology})",
            _fmt(a.scaleout_bandwidth_gb_s),
            _fmt(a.tdp_w),
            f"{a.matmul_efficiency:.2f}",
            f"{a.memory_bandwidth_efficiency:.2f}",
            f"{a.source} ({a.source_date})",
        )
    console.print(t)
    e = Table(title="Inference efficiency assumed per accelerator and weight precision (fraction of peak)")
    for col in ("id", "precision", "matmul eff.", "mem-bw eff.", "KV-read eff.", "source"):
        e.add_column(col, overflow="fold")
    for row in list_inference_efficiencies():
        e.add_row(
            row.accelerator,
            row.precision,
            f"{row.matmul_efficiency:.2f}",
            f"{row.memory_bandwidth_efficiency:.2f}",
            f"{row.kv_read_efficiency:.2f}",
            row.source,
        )
    console.print(e)


@catalog_app.command("frameworks")
@handle_errors
def frameworks(as_json: JsonOpt = False) -> None:
    """Serving frameworks: scheduling, token budget, admission policy, host costs and MoE kernels."""
    fws = list_serving_frameworks()
    kernels = list_moe_kernel_efficiencies()
    hosts = list_host_overheads()
    if as_json:
        print_json(
            {
                "catalog_version": CATALOG_VERSION,
                "serving_frameworks": [f.__dict__ for f in fws],
                "moe_kernels": [k.__dict__ for k in kernels],
                "host_overheads": [h.__dict__ for h in hosts],
            }
        )
        return
    t = Table(title=f"Serving frameworks (catalogue {CATALOG_VERSION}; defaults the inference model assumes)")
    for col in (
        "id",
        "scheduling",
        "token budget",
        "max batch",
        "memory fraction",
        "CPU per iteration ms",
        "launch per layer us",
        "MoE prefill per layer us",
        "KV admission",
    ):
        t.add_column(col, overflow="fold")
    for f in fws:
        t.add_row(
            f.id,
            f.scheduling + (" (prompt cohorts)" if f.prompt_cohorts else ""),
            (
                f"{f.prefill_chunk_tokens:,}"
                if f.budget_rule == "fixed"
                else f"{sglang_chunk_tokens(0.0):,}-{sglang_chunk_tokens(math.inf):,} by GPU memory"
            )
            + ("" if f.chunked_prefill else " (whole prompts)"),
            f"{f.max_batch_size:,}",
            f"{f.memory_fraction:.2f}",
            f"{f.iteration_overhead_ms:.1f}" + (" (overlapped)" if f.async_scheduling else ""),
            f"{f.layer_overhead_us:.0f}",
            f"{f.prefill_moe_layer_overhead_us:.0f}",
            f.kv_admission,
        )
    console.print(t)
    console.print("Sources:")
    for f in fws:
        console.print(f"  {f.id} ({f.name}): {f.source}", soft_wrap=True)
    k = Table(
        title="MoE kernels: fraction of peak HBM at which each framework's default kernel streams expert weights"
    )
    for col in ("framework", "accelerator", "precision", "expert bandwidth", "kernels", "version", "points"):
        k.add_column(col, overflow="fold")
    for row in kernels:
        k.add_row(
            row.framework,
            row.accelerator,
            row.precision,
            f"{row.expert_bandwidth_efficiency:.2f}",
            row.kernels,
            row.framework_version,
            f"{row.samples:,}",
        )
    console.print(k)
    if kernels:
        console.print(f"Source of every MoE kernel row: {kernels[0].source}", soft_wrap=True)
    console.print("Chips, frameworks and precisions without a row stream experts at the streaming fraction.")
    h = Table(
        title="Host time per running sequence per iteration (measured; the GPU waits where it is longer)"
    )
    for col in ("framework", "system of", "us per sequence", "version", "source"):
        h.add_column(col, overflow="fold")
    for host in hosts:
        h.add_row(
            host.framework,
            host.accelerator,
            f"{host.sequence_overhead_us:.1f}",
            host.framework_version,
            host.source,
        )
    console.print(h)
    console.print("Systems without a row: the per-sequence host work is taken as hidden behind the GPU work.")


@catalog_app.command("models")
@handle_errors
def models(as_json: JsonOpt = False) -> None:
    """Models: architecture, parameter counts derived vs published, source."""
    ms = list_models()
    if as_json:
        print_json(
            {
                "catalog_version": CATALOG_VERSION,
                "models": [
                    {
                        "id": m.id,
                        "name": m.architecture.name,
                        "total_params": m.architecture.total_params,
                        "active_params": m.architecture.active_params,
                        "derived_total_params": m.derived_total_params,
                        "derived_active_params": m.derived_active_params,
                        "published_total_params": m.published_total_params,
                        "published_active_params": m.published_active_params,
                        "published_active_convention": m.active_convention,
                        "vision_encoder_params": m.vision_encoder_params,
                        "source": m.source,
                        "as_of": m.as_of,
                    }
                    for m in ms
                ],
            }
        )
        return
    t = Table(
        title=f"Models (catalogue {CATALOG_VERSION}): parameters derived from the architecture vs published",
        caption="attention: MHA/GQA/MLA; experts: routed+shared (top-k); * active as the publisher counts it "
        "(without the input embedding); sources below",
        box=box.SIMPLE_HEAD,
        pad_edge=False,
        collapse_padding=True,
    )
    for col, justify in (
        ("id", "left"),
        ("layers", "right"),
        ("hidden", "right"),
        ("heads/kv", "right"),
        ("attn", "left"),
        ("experts", "right"),
        ("total B", "right"),
        ("publ.", "right"),
        ("active B", "right"),
        ("publ.", "right"),
    ):
        t.add_column(col, justify=justify, no_wrap=True)  # type: ignore[arg-type]
    for m in ms:
        a = m.architecture
        attn = "MLA" if a.mla else ("MHA" if a.kv_heads == a.heads else "GQA")
        moe = f"{a.moe.experts}+{a.moe.shared_experts} ({a.moe.active_experts})" if a.moe else "-"
        star = "*" if m.active_convention == "excluding_input_embedding" else ""
        t.add_row(
            m.id,
            str(a.layers),
            str(a.hidden_size),
            f"{a.heads}/{a.kv_heads}",
            attn,
            moe,
            f"{m.derived_total_params / 1e9:,.2f}",
            m.published_total.text,
            f"{m.derived_active_params / 1e9:,.2f}{star}",
            m.published_active.text,
        )
    console.print(t)
    console.print("Sources:")
    for m in ms:
        console.print(f"  {m.id} ({m.as_of}): {m.source}", highlight=False)
