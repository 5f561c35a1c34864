"""Sustainability: carbon budget, PUE, water, EU Energy Efficiency Directive, hardware end of life."""

from __future__ import annotations

from stackplan.governance.facts import GovernanceFacts
from stackplan.governance.findings import Evidence, Finding, Severity

__all__ = [
    "EED_REPORTING_THRESHOLD_KW",
    "check_carbon_budget",
    "check_eed_reporting",
    "check_hardware_end_of_life",
    "check_pue",
    "check_water",
    "yearly_emissions_tco2e",
]

#: Installed IT power demand from which a data centre reports under Directive (EU) 2023/1791
#: Art. 12(1) [kW].
EED_REPORTING_THRESHOLD_KW = 500.0


def yearly_emissions_tco2e(
    scope2_tco2e: float, embodied_tco2e: float, *, include_embodied: bool = True
) -> float:
    """Emissions compared with the carbon budget [tCO2e]: scope 2 (one method) plus embodied."""
    return scope2_tco2e + (embodied_tco2e if include_embodied else 0.0)


def check_carbon_budget(facts: GovernanceFacts) -> list[Finding]:
    """Emissions of each year against ``targets.carbon_budget_tco2e_per_year``.

    The budget is set on one scope 2 method (``carbon_budget_basis``, market-based by default) plus
    embodied emissions: over budget on that basis fails; over budget only on the other method is a
    warning (GHG Protocol Scope 2 Guidance asks for both to be reported).
    """
    t = facts.targets
    budget = t.carbon_budget_tco2e_per_year
    if budget is None:
        return []
    out = []
    for d in facts.deployments:
        for y in d.years:
            by = {
                "market": yearly_emissions_tco2e(y.emissions_market_tco2e, y.emissions_embodied_tco2e),
                "location": yearly_emissions_tco2e(y.emissions_location_tco2e, y.emissions_embodied_tco2e),
            }
            other = "location" if t.carbon_budget_basis == "market" else "market"
            if by[t.carbon_budget_basis] > budget:
                severity: Severity = "fail"
                title = f"{y.year}: {by[t.carbon_budget_basis]:,.0f} tCO2e ({t.carbon_budget_basis}-based) over the {budget:,.0f} tCO2e budget"
            elif by[other] > budget:
                severity = "warning"
                title = f"{y.year}: within budget {t.carbon_budget_basis}-based, over it {other}-based ({by[other]:,.0f} tCO2e)"
            else:
                continue
            out.append(
                Finding(
                    check="sustainability.carbon_budget",
                    title=title,
                    severity=severity,
                    component="governance",
                    evidence=(
                        Evidence("scope 2 location-based", y.emissions_location_tco2e, "tCO2e"),
                        Evidence("scope 2 market-based", y.emissions_market_tco2e, "tCO2e"),
                        Evidence("embodied (scope 3 cat. 2)", y.emissions_embodied_tco2e, "tCO2e"),
                        Evidence("carbon budget", budget, "tCO2e/year"),
                        Evidence("budget basis", t.carbon_budget_basis),
                        Evidence("energy", y.energy_mwh, "MWh"),
                    ),
                    recommendation="Shift load to lower-carbon regions, procure renewable electricity, or extend hardware life.",
                    deployment=d.model,
                    subject=str(y.year),
                )
            )
    return out


def check_pue(facts: GovernanceFacts) -> list[Finding]:
    """Power usage effectiveness of each site and year against ``targets.max_pue`` (warning above)."""
    limit = facts.targets.max_pue
    if limit is None:
        return []
    out = []
    for d in facts.deployments:
        subjects = [(f"site {s.name}", s.pue) for s in d.sites] + [(str(y.year), y.pue) for y in d.years]
        for subject, pue in subjects:
            if pue is None or pue <= limit:
                continue
            out.append(
                Finding(
                    check="sustainability.pue",
                    title=f"{subject}: PUE {pue:.2f} above the {limit:.2f} target",
                    severity="warning",
                    component="compute",
                    evidence=(Evidence("PUE", pue, "-"), Evidence("PUE target", limit, "-")),
                    recommendation="Prefer more efficient sites or cooling (liquid cooling, higher supply temperatures).",
                    deployment=d.model,
                    subject=subject,
                )
            )
    return out


def check_water(facts: GovernanceFacts) -> list[Finding]:
    """Water use of each year against ``targets.max_water_m3_per_year`` (warning above)."""
    limit = facts.targets.max_water_m3_per_year
    if limit is None:
        return []
    return [
        Finding(
            check="sustainability.water",
            title=f"{y.year}: water use {y.water_m3:,.0f} m3 above the {limit:,.0f} m3 target",
            severity="warning",
            component="compute",
            evidence=(Evidence("water", y.water_m3, "m3"), Evidence("water target", limit, "m3/year")),
            recommendation="Prefer sites with closed-loop or dry cooling, or regions with low water stress.",
            deployment=d.model,
            subject=str(y.year),
        )
        for d in facts.deployments
        for y in d.years
        if y.water_m3 > limit
    ]


def check_eed_reporting(facts: GovernanceFacts) -> list[Finding]:
    """Owned sites with at least 500 kW of installed IT power must report under EED Art. 12 (warning).

    A colocation site at or above the threshold is reported by its operator (info).
    """
    out = []
    for d in facts.deployments:
        for s in d.sites:
            if s.ownership == "cloud" or s.it_power_kw < EED_REPORTING_THRESHOLD_KW:
                continue
            owned = s.ownership == "owned"
            out.append(
                Finding(
                    check="sustainability.eed_reporting",
                    title=(
                        f"site {s.name}: {s.it_power_kw:,.0f} kW IT, the organisation reports under EED Art. 12"
                        if owned
                        else f"site {s.name}: {s.it_power_kw:,.0f} kW IT in colocation, the operator reports under EED Art. 12"
                    ),
                    severity="warning" if owned else "info",
                    component="compute",
                    evidence=(
                        Evidence("installed IT power", s.it_power_kw, "kW"),
                        Evidence("reporting threshold", EED_REPORTING_THRESHOLD_KW, "kW"),
                        Evidence("ownership", s.ownership),
                        Evidence("region", s.region),
                    ),
                    recommendation=(
                        "Meter and publish the Annex VII indicators (energy, PUE, water, renewables) by 15 May each year."
                        if owned
                        else "Ask the colocation operator for its Annex VII report."
                    ),
                    deployment=d.model,
                    subject=s.name,
                )
            )
    return out


def check_hardware_end_of_life(facts: GovernanceFacts) -> list[Finding]:
    """Hardware that reaches the end of its useful life within the plan's years: plan its disposal (info)."""
    out = []
    for d in facts.deployments:
        years = {y.year for y in d.years}
        for h in d.hardware:
            if h.last_useful_year not in years:
                continue
            out.append(
                Finding(
                    check="sustainability.hardware_end_of_life",
                    title=f"{h.name}: {h.accelerators} accelerators reach end of life after {h.last_useful_year}",
                    severity="info",
                    component="compute",
                    evidence=(
                        Evidence("last useful year", h.last_useful_year),
                        Evidence("accelerators", h.accelerators, "accelerators"),
                    ),
                    recommendation=(
                        "Plan re-use or WEEE-compliant recycling, certified data wiping, and the scope 3 category 5 "
                        "emissions of disposal."
                    ),
                    deployment=d.model,
                    subject=h.name,
                )
            )
    return out
