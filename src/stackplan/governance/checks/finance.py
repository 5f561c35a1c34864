"""Financial risk and pilot discipline: budget, stranded commitments, hardware lock-in, pilot gate."""

from __future__ import annotations

from stackplan.governance.facts import GovernanceFacts
from stackplan.governance.findings import Evidence, Finding, Severity

__all__ = [
    "check_budget",
    "check_commitment",
    "check_hardware_lock_in",
    "check_pilot_gate",
    "stranded_commitment_usd",
]


def check_budget(facts: GovernanceFacts) -> list[Finding]:
    """Each year's spend within its budget: fail above it, warning above ``budget_warning_share`` of it."""
    warn = facts.targets.budget_warning_share
    out = []
    for d in facts.deployments:
        for y in d.years:
            if y.budget_usd is None:
                continue
            share = y.spend_usd / y.budget_usd if y.budget_usd > 0 else float("inf")
            if share <= warn:
                continue
            severity: Severity = "fail" if y.spend_usd > y.budget_usd else "warning"
            out.append(
                Finding(
                    check="finance.budget",
                    title=(
                        f"{y.year}: spend ${y.spend_usd:,.0f} exceeds the budget ${y.budget_usd:,.0f}"
                        if severity == "fail"
                        else f"{y.year}: spend at {share:.0%} of the budget"
                    ),
                    severity=severity,
                    component="governance",
                    evidence=(
                        Evidence("spend", y.spend_usd, "USD"),
                        Evidence("budget", y.budget_usd, "USD"),
                        Evidence("spend / budget", share, "-"),
                    ),
                    recommendation="Re-phase spending, use commitment discounts, or cut scope.",
                    deployment=d.model,
                    subject=str(y.year),
                )
            )
    return out


def stranded_commitment_usd(committed_spend_usd: float, low_demand_spend_usd: float) -> float:
    """Committed spend the low-demand case would not need [USD]: ``max(0, committed - needed)``."""
    return max(0.0, committed_spend_usd - low_demand_spend_usd)


def check_commitment(facts: GovernanceFacts) -> list[Finding]:
    """Committed spend under the low-demand case.

    ``share = stranded / committed``: fail above ``targets.max_stranded_commitment_share``,
    warning above zero.
    """
    limit = facts.targets.max_stranded_commitment_share
    out = []
    for d in facts.deployments:
        for y in d.years:
            if y.low_demand_spend_usd is None or y.committed_spend_usd <= 0:
                continue
            stranded = stranded_commitment_usd(y.committed_spend_usd, y.low_demand_spend_usd)
            if stranded <= 0:
                continue
            share = stranded / y.committed_spend_usd
            severity: Severity = "fail" if share > limit else "warning"
            out.append(
                Finding(
                    check="finance.commitment",
                    title=f"{y.year}: ${stranded:,.0f} ({share:.0%}) of committed spend stranded if demand is low",
                    severity=severity,
                    component="compute",
                    evidence=(
                        Evidence("committed spend", y.committed_spend_usd, "USD"),
                        Evidence("spend needed under low demand", y.low_demand_spend_usd, "USD"),
                        Evidence("stranded", stranded, "USD"),
                        Evidence("stranded share", share, "-"),
                        Evidence("limit", limit, "-"),
                    ),
                    recommendation="Commit only to the low-demand baseline; rent the rest on shorter terms.",
                    deployment=d.model,
                    subject=str(y.year),
                )
            )
    return out


def check_hardware_lock_in(facts: GovernanceFacts) -> list[Finding]:
    """Hardware committed (lease, contract, planned use) beyond its useful life: warning."""
    out = []
    for d in facts.deployments:
        for h in d.hardware:
            beyond = h.committed_until_year - h.last_useful_year
            if beyond <= 0:
                continue
            out.append(
                Finding(
                    check="finance.hardware_lock_in",
                    title=f"{h.name}: committed until {h.committed_until_year}, {beyond} year(s) beyond useful life",
                    severity="warning",
                    component="compute",
                    evidence=(
                        Evidence("purchase year", h.purchase_year),
                        Evidence("useful life", h.useful_life_years, "years"),
                        Evidence("last useful year", h.last_useful_year),
                        Evidence("committed until", h.committed_until_year),
                        Evidence("accelerators", h.accelerators, "accelerators"),
                    ),
                    recommendation="Align the contract with the useful life, or budget a refresh.",
                    deployment=d.model,
                    subject=h.name,
                )
            )
    return out


def check_pilot_gate(facts: GovernanceFacts) -> list[Finding]:
    """No scale-up spending dated before the pilot gate (fail); a scale-up without a gate is a warning."""
    gate = facts.pilot_gate_date
    out = []
    for d in facts.deployments:
        if not d.scale_up_spend:
            continue
        if gate is None:
            out.append(
                Finding(
                    check="pilot.scale_up_before_gate",
                    title="scale-up spending planned without a pilot gate",
                    severity="warning",
                    component="governance",
                    evidence=(Evidence("scale-up spend", sum(s.usd for s in d.scale_up_spend), "USD"),),
                    recommendation="Set a pilot go/no-go date (governance.pilot_gate) before committing scale-up.",
                    deployment=d.model,
                )
            )
            continue
        early = [s for s in d.scale_up_spend if s.date < gate]
        if not early:
            out.append(
                Finding(
                    check="pilot.scale_up_before_gate",
                    title=f"all scale-up spending is on or after the pilot gate {gate.isoformat()}",
                    severity="info",
                    component="governance",
                    evidence=(
                        Evidence("first scale-up spend", min(s.date for s in d.scale_up_spend).isoformat()),
                    ),
                    recommendation="None.",
                    deployment=d.model,
                )
            )
            continue
        out.append(
            Finding(
                check="pilot.scale_up_before_gate",
                title=f"${sum(s.usd for s in early):,.0f} of scale-up spending before the pilot gate {gate.isoformat()}",
                severity="fail",
                component="governance",
                evidence=(
                    Evidence("pilot gate", gate.isoformat()),
                    *(Evidence(f"{s.line} on {s.date.isoformat()}", s.usd, "USD") for s in early),
                ),
                recommendation="Move these commitments after the gate, or make them conditional on it.",
                deployment=d.model,
            )
        )
    return out
