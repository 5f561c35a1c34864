"""Options shared by the serving commands (``predict inference``, ``predict service``): the request
shape, the latency targets, the framework, and which device-hour price a token cost uses."""

from __future__ import annotations

from typing import Annotated

import typer

from stackplan.catalog.cloud import PRICING_OPTIONS
from stackplan.economics.cloud import CloudRate, TokenCosts, lowest_cloud_rate
from stackplan.errors import check_positive_number

ModelOpt = Annotated[str, typer.Option("--model", help="Catalogue model id or model-file path.")]
InputTokensOpt = Annotated[int, typer.Option("--input-tokens", help="Prompt tokens per request.")]
OutputTokensOpt = Annotated[int, typer.Option("--output-tokens", help="Generated tokens per request.")]
PrecisionOpt = Annotated[
    str | None,
    typer.Option(
        "--precision",
        help="Weights: bf16, fp8, fp4 or int4 (weight-only W4A16; bf16, fp8 and fp4 are searched when not given).",
    ),
]
MaxTtftOpt = Annotated[float | None, typer.Option("--max-ttft-ms", help="TTFT target [ms].")]
MaxTpotOpt = Annotated[float | None, typer.Option("--max-tpot-ms", help="TPOT target [ms].")]
FrameworkOpt = Annotated[
    str, typer.Option("--framework", help="trtllm, vllm, sglang or auto (TensorRT-LLM on NVIDIA).")
]
OutputLengthCvOpt = Annotated[
    float,
    typer.Option(
        "--output-length-cv",
        help="Spread of output lengths: standard deviation over mean (0 = every request the same).",
    ),
]
PricingOpt = Annotated[
    str,
    typer.Option(
        "--pricing",
        help=f"Cloud pricing of the device-hour: {', '.join(PRICING_OPTIONS)} (lowest catalogue listing).",
    ),
]
ProviderOpt = Annotated[
    str | None, typer.Option("--provider", help="Price at this cloud provider only (catalog prices).")
]
RegionOpt = Annotated[str | None, typer.Option("--region", help="Price in this provider region only.")]
PriceOpt = Annotated[
    float | None,
    typer.Option(
        "--usd-per-device-hour",
        help="Your own price of one accelerator-hour [USD] (owned, negotiated); overrides the catalogue.",
    ),
]


def device_rate(
    accelerator: str,
    pricing: str = "on_demand",
    provider: str | None = None,
    region: str | None = None,
    usd_per_device_hour: float | None = None,
) -> CloudRate | None:
    """The device-hour price a token cost uses: the given one, else the lowest catalogue listing."""
    if usd_per_device_hour is not None:
        check_positive_number(
            "--usd-per-device-hour", usd_per_device_hour, "give a price in USD", allow_zero=True
        )
        return CloudRate(
            provider="given",
            region="",
            accelerator=accelerator,
            option="given",
            usd_per_accelerator_hour=usd_per_device_hour,
            basis="given with --usd-per-device-hour",
            source="user input",
        )
    return lowest_cloud_rate(accelerator, pricing, provider=provider, region=region)


def rate_label(rate: CloudRate) -> str:
    """Where a price comes from, in a few words: ``nebius eu-north1, on_demand (list)``."""
    if rate.provider == "given":
        return "given"
    return f"{rate.provider} {rate.region}, {rate.option} ({rate.basis.split(':')[0]})"


def cost_dict(rate: CloudRate | None, devices: int, tc: TokenCosts | None) -> dict[str, object] | None:
    """The ``cost`` object of the serving commands' JSON (``None`` when no price is known)."""
    if rate is None or tc is None:
        return None
    return {
        "usd_per_device_hour": rate.usd_per_accelerator_hour,
        "devices": devices,
        "usd_per_hour": rate.usd_per_accelerator_hour * devices,
        "usd_per_million_input_tokens": tc.usd_per_million_input,
        "usd_per_million_output_tokens": tc.usd_per_million_output,
        "usd_per_million_tokens_blended": tc.usd_per_million_blended,
        "usd_per_million_output_tokens_all_in": tc.usd_per_million_output_all_in,
        "provider": rate.provider,
        "region": rate.region,
        "pricing": rate.option,
        "basis": rate.basis,
        "source": rate.source,
    }
