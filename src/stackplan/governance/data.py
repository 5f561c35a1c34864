"""The governance data shipped in ``catalog/data``: framework mappings, AI Act obligations, risk
templates and the evidence catalogue. Each loader reads its dated, sourced CSV once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from typing import Literal

from stackplan.catalog._files import read_table
from stackplan.errors import CatalogError
from stackplan.governance.findings import FrameworkRef

__all__ = [
    "EVIDENCE_CONDITIONS",
    "FRAMEWORKS_FILE",
    "EvidenceSpec",
    "Obligation",
    "RiskTemplate",
    "ai_act_obligations",
    "evidence_catalogue",
    "framework_refs",
    "risk_templates",
]

FRAMEWORKS_FILE = "governance_frameworks.csv"
OBLIGATIONS_FILE = "eu_ai_act_obligations.csv"
RISKS_FILE = "governance_risks.csv"
EVIDENCE_FILE = "governance_evidence.csv"

CostBasis = Literal["fixed_usd", "share_of_spend", "usd_per_mwh"]
_COST_BASES: tuple[CostBasis, ...] = ("fixed_usd", "share_of_spend", "usd_per_mwh")

#: When an evidence item is required (``required_when`` column).
EVIDENCE_CONDITIONS = (
    "always",
    "gpai",
    "systemic",
    "external_provider",
    "owned_site",
    "eed_site",
    "sensitive_data",
    "dr",
    "market_instruments",
)


@dataclass(frozen=True)
class Obligation:
    """An EU AI Act obligation or date of application."""

    id: str
    applies_to: Literal["gpai", "systemic", "timeline"]
    article: str
    obligation: str
    applies_from: date
    source: str


@dataclass(frozen=True)
class RiskTemplate:
    """How a finding of one check becomes a risk-register entry.

    Likelihood and impact are on 1-5 scales; the mitigation's yearly cost is ``cost_value`` in
    the unit of ``cost_basis``: ``fixed_usd`` [USD/year], ``share_of_spend`` [-, of the year's
    spend] or ``usd_per_mwh`` [USD/MWh of the year's energy].
    """

    check: str
    title: str
    owner_role: str
    likelihood_warning: int
    likelihood_fail: int
    impact: int
    mitigation: str
    cost_basis: CostBasis
    cost_value: float
    source: str


@dataclass(frozen=True)
class EvidenceSpec:
    """An item of evidence only people can supply, and when it is required."""

    id: str
    title: str
    required_when: str
    references: str
    source: str


@cache
def framework_refs() -> Mapping[str, tuple[FrameworkRef, ...]]:
    """Framework references per check id (``policy`` for organisation policies)."""
    table = read_table(FRAMEWORKS_FILE)
    out: dict[str, list[FrameworkRef]] = {}
    for r in table.rows:
        out.setdefault(r["check"], []).append(
            FrameworkRef(
                framework=r["framework"], reference=r["reference"], title=r["title"], source=r["source"]
            )
        )
    return {k: tuple(v) for k, v in out.items()}


@cache
def ai_act_obligations() -> tuple[Obligation, ...]:
    """EU AI Act obligations for model providers and the Regulation's dates of application."""
    table = read_table(OBLIGATIONS_FILE)
    out = []
    for i, r in enumerate(table.rows, start=1):
        if r["applies_to"] not in ("gpai", "systemic", "timeline"):
            raise CatalogError(f"{OBLIGATIONS_FILE}: row {i} has applies_to {r['applies_to']!r}")
        out.append(
            Obligation(
                id=r["id"],
                applies_to=r["applies_to"],  # type: ignore[arg-type]
                article=r["article"],
                obligation=r["obligation"],
                applies_from=date.fromisoformat(r["applies_from"]),
                source=r["source"],
            )
        )
    return tuple(out)


def _score(value: str, where: str) -> int:
    n = int(value)
    if not 1 <= n <= 5:
        raise CatalogError(f"{RISKS_FILE}: {where} must be 1 to 5, got {n}")
    return n


@cache
def risk_templates() -> Mapping[str, RiskTemplate]:
    """Risk templates per check id."""
    table = read_table(RISKS_FILE)
    out: dict[str, RiskTemplate] = {}
    for i, r in enumerate(table.rows, start=1):
        if r["cost_basis"] not in _COST_BASES:
            raise CatalogError(f"{RISKS_FILE}: row {i} has cost_basis {r['cost_basis']!r}")
        out[r["check"]] = RiskTemplate(
            check=r["check"],
            title=r["title"],
            owner_role=r["owner_role"],
            likelihood_warning=_score(r["likelihood_warning"], f"row {i} likelihood_warning"),
            likelihood_fail=_score(r["likelihood_fail"], f"row {i} likelihood_fail"),
            impact=_score(r["impact"], f"row {i} impact"),
            mitigation=r["mitigation"],
            cost_basis=r["cost_basis"],
            cost_value=float(r["cost_value"]),
            source=r["source"],
        )
    return out


@cache
def evidence_catalogue() -> tuple[EvidenceSpec, ...]:
    """The evidence items people supply, in checklist order."""
    table = read_table(EVIDENCE_FILE)
    out = []
    for i, r in enumerate(table.rows, start=1):
        if r["required_when"] not in EVIDENCE_CONDITIONS:
            raise CatalogError(f"{EVIDENCE_FILE}: row {i} has required_when {r['required_when']!r}")
        out.append(
            EvidenceSpec(
                id=r["id"],
                title=r["title"],
                required_when=r["required_when"],
                references=r["references"],
                source=r["source"],
            )
        )
    return tuple(out)
