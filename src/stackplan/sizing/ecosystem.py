"""Ecosystem sizing: hosted-API use vs self-hosting per service, partner licences.

For every inference and batch workload: the self-hosted cost per million input and output tokens
and the price of the same tokens bought from an API provider (the open-model vs closed-model
"dual track"), and which of the two the scenario uses.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from stackplan.sizing.quantity import ComponentSizing, Sized

__all__ = ["size_ecosystem"]


def size_ecosystem(
    services: Sequence[Mapping[str, Any]], *, licence_name: str, licence_source: str
) -> ComponentSizing:
    qs: list[Sized] = []
    for s in services:
        for key, label in (
            ("self_hosted_usd_per_million_output", "self-hosted output tokens"),
            ("api_usd_per_million_output", "API output tokens"),
        ):
            v = s.get(key)
            if v is not None:
                qs.append(
                    Sized(
                        name=label,
                        value=float(v),
                        unit="USD per million tokens",
                        source=str(s.get("api_source" if key.startswith("api") else "source", "")),
                        scope=str(s["workload"]),
                    )
                )
        qs.append(
            Sized(
                name="tokens per year (last year)",
                value=float(s.get("tokens_last_year", 0.0)),
                unit="tokens",
                source="scenario requests per day x tokens per request x 365",
                scope=str(s["workload"]),
            )
        )
    notes = (
        *tuple(
            f"{s['workload']}: {'bought from the API' if s.get('uses_api') else 'self-hosted'}"
            for s in services
        ),
        f"partner software licence: {licence_name} ({licence_source})",
    )
    return ComponentSizing(component="ecosystem", quantities=tuple(qs), notes=notes)
