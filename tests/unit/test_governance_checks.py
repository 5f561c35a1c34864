"""Every governance check: a facts variant that triggers it and the clean plan that does not."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date

import pytest

from stackplan.governance import CHECKS, GovernanceFacts, assess
from stackplan.governance.findings import Finding
from tests.unit.governance_fixtures import ALL_EVIDENCE, CLEAN, HYBRID, with_, with_deployment, with_years


def _placements(**changes: dict[str, object]) -> list[dict[str, object]]:
    """The clean placements, with the i-th changed by ``changes['p<i>']``."""
    out = []
    for i, p in enumerate(HYBRID.placements):
        out.append({**p.model_dump(), **changes.get(f"p{i}", {})})
    return out


def _workloads(**changes: dict[str, object]) -> list[dict[str, object]]:
    return [{**w.model_dump(), **changes.get(w.name, {})} for w in CLEAN.workloads]


def _findings(facts: GovernanceFacts, check: str) -> list[Finding]:
    return [f for f in assess(facts).findings if f.check == check]


# check id -> (facts that trigger it, expected severity)
TRIGGERS: dict[str, tuple[Callable[[], GovernanceFacts], str]] = {
    "residency.data_class": (
        lambda: with_deployment(placements=_placements(p0={"region": "us-east"})),
        "fail",
    ),
    "ai_act.training_compute": (
        lambda: with_(models=[{"name": "base", "training_flop": 2e23}]),
        "warning",
    ),
    "ai_act.modification": (
        lambda: with_(
            models=[
                {"name": "ft", "training_flop": 3e23, "base_model": "b", "base_model_training_flop": 7.5e23}
            ]
        ),
        "warning",
    ),
    "ai_act.technical_documentation": (
        lambda: with_(models=[{"name": "base", "training_flop": 2e23, "training_time_h": 100}]),
        "warning",
    ),
    "resilience.headroom": (lambda: with_years(capacity_accelerators=22), "warning"),
    "resilience.concentration": (
        lambda: with_deployment(
            placements=_placements(p1={"provider": "aws", "site": "aws-euw", "region": "eu-west"})
        ),
        "warning",
    ),
    "resilience.spot": (
        lambda: with_(
            workloads=_workloads(ft={"checkpointed": False}),
            deployments=[{**HYBRID.model_dump(), "placements": _placements(p3={"spot": True})}],
        ),
        "fail",
    ),
    "resilience.disaster_recovery": (
        lambda: with_deployment(placements=_placements(p2={"region": "eu-west"})),
        "warning",
    ),
    "finance.budget": (lambda: with_years(budget_usd=900_000), "fail"),
    "finance.commitment": (lambda: with_years(low_demand_spend_usd=300_000), "fail"),
    "finance.hardware_lock_in": (
        lambda: with_deployment(
            hardware=[{**HYBRID.hardware[0].model_dump(), "committed_until_year": 2031}],
        ),
        "warning",
    ),
    "pilot.scale_up_before_gate": (
        lambda: with_deployment(
            scale_up_spend=[{"date": date(2026, 3, 1), "usd": 400_000, "line": "servers"}]
        ),
        "fail",
    ),
    "sustainability.carbon_budget": (lambda: with_years(emissions_market_tco2e=600), "fail"),
    "sustainability.pue": (lambda: with_years(pue=1.6), "warning"),
    "sustainability.water": (lambda: with_years(water_m3=9_000), "warning"),
    "sustainability.eed_reporting": (
        lambda: with_deployment(
            sites=[{**HYBRID.sites[0].model_dump(), "it_power_kw": 600}, HYBRID.sites[1].model_dump()]
        ),
        "warning",
    ),
    "sustainability.hardware_end_of_life": (
        lambda: with_deployment(
            hardware=[
                {
                    **HYBRID.hardware[0].model_dump(),
                    "purchase_year": 2023,
                    "useful_life_years": 4,
                    "committed_until_year": 2026,
                }
            ]
        ),
        "info",
    ),
    "security.shared_responsibility": (
        lambda: with_(evidence_provided=[e for e in ALL_EVIDENCE if e != "shared_responsibility_matrix"]),
        "warning",
    ),
    "security.provider_attestations": (
        lambda: with_(
            providers=[
                {"name": "aws", "attestations": ["iso_iec_27001"]},
                {"name": "azure"},
                {"name": "own", "kind": "own"},
            ]
        ),
        "fail",
    ),
    "security.physical": (
        lambda: with_(evidence_provided=[e for e in ALL_EVIDENCE if e != "physical_security_assessment"]),
        "warning",
    ),
}


def test_every_registered_check_has_a_trigger() -> None:
    assert set(TRIGGERS) == set(CHECKS)


def test_clean_plan_has_no_warning_or_failure() -> None:
    bad = [f.id for f in assess(CLEAN).findings if f.severity != "info"]
    assert bad == []


@pytest.mark.parametrize("check", sorted(TRIGGERS))
def test_check_triggers(check: str) -> None:
    build, severity = TRIGGERS[check]
    found = _findings(build(), check)
    assert severity in {f.severity for f in found}, [f.title for f in found]
    for f in found:
        if f.severity == severity:
            assert f.evidence, "a finding carries the plan's numbers"
            assert f.references, "a finding carries framework references"
            assert f.recommendation


@pytest.mark.parametrize("check", sorted(TRIGGERS))
def test_check_does_not_trigger_on_clean_plan(check: str) -> None:
    _, severity = TRIGGERS[check]
    if severity == "info":
        assert _findings(CLEAN, check) == []
    else:
        assert all(f.severity == "info" for f in _findings(CLEAN, check))


# ------------------------------------------------------------------ details, hand-worked
def test_residency_names_the_region_and_accelerators_outside() -> None:
    f = _findings(with_deployment(placements=_placements(p0={"region": "us-east"})), "residency.data_class")[
        0
    ]
    assert f.severity == "fail"
    assert f.subject == "rag"
    assert "us-east" in f.title
    ev = {e.name: e.value for e in f.evidence}
    assert ev["accelerators outside"] == 8


def test_residency_unknown_data_class_fails() -> None:
    facts = with_(workloads=_workloads(ft={"data_class": "secret"}))
    f = [x for x in _findings(facts, "residency.data_class") if x.subject == "ft"]
    assert f
    assert f[0].severity == "fail"
    assert "no rule" in f[0].title


def test_residency_dr_placement_counts() -> None:
    facts = with_deployment(placements=_placements(p2={"region": "us-east"}))
    assert any(f.severity == "fail" for f in _findings(facts, "residency.data_class"))


def test_headroom_below_peak_fails_and_at_target_passes() -> None:
    # capacity 19 < peak 20: fail; capacity exactly 24 = 20 * 1.2: passes (>= target)
    assert {f.severity for f in _findings(with_years(capacity_accelerators=19), "resilience.headroom")} == {
        "fail"
    }
    assert {f.severity for f in _findings(with_years(capacity_accelerators=24), "resilience.headroom")} == {
        "info"
    }


def test_concentration_share_is_hand_worked() -> None:
    # aws gets 8 + 8 of 16 critical accelerators (the DR and non-critical placements do not count)
    found = _findings(TRIGGERS["resilience.concentration"][0](), "resilience.concentration")
    shares = {f.subject: next(e.value for e in f.evidence if e.name.startswith("share")) for f in found}
    assert shares == {"provider:aws": 1.0, "region:eu-west": 1.0, "site:aws-euw": 1.0}


def test_spot_critical_inference_fails_noncritical_warns_checkpointed_info() -> None:
    crit = with_deployment(placements=_placements(p0={"spot": True}))
    assert {f.severity for f in _findings(crit, "resilience.spot")} == {"fail"}
    noncrit = with_(
        workloads=_workloads(rag={"critical": False}),
        deployments=[{**HYBRID.model_dump(), "placements": _placements(p0={"spot": True})}],
    )
    assert {f.severity for f in _findings(noncrit, "resilience.spot")} == {"warning"}
    ckpt = with_deployment(placements=_placements(p3={"spot": True}))
    assert {f.severity for f in _findings(ckpt, "resilience.spot")} == {"info"}


def test_dr_missing_fails() -> None:
    facts = with_deployment(placements=[p for i, p in enumerate(_placements()) if i != 2])
    assert {f.severity for f in _findings(facts, "resilience.disaster_recovery")} == {"fail"}


def test_budget_warning_band() -> None:
    # spend 1.0 M vs budget 1.04 M: 96 % > 95 %: warning, not fail
    assert {f.severity for f in _findings(with_years(budget_usd=1_040_000), "finance.budget")} == {"warning"}


def test_commitment_stranded_hand_worked() -> None:
    # committed 500 k, low-demand need 450 k: 50 k stranded = 10 % <= 20 %: warning
    found = _findings(with_years(low_demand_spend_usd=450_000), "finance.commitment")
    assert {f.severity for f in found} == {"warning"}
    ev = {e.name: e.value for e in found[0].evidence}
    assert ev["stranded"] == pytest.approx(50_000)
    assert ev["stranded share"] == pytest.approx(0.10)


def test_hardware_last_useful_year() -> None:
    lot = HYBRID.hardware[0]
    assert lot.last_useful_year == 2030  # bought 2026, 5 years: 2026..2030
    half = lot.model_copy(update={"useful_life_years": 4.5})
    assert half.last_useful_year == 2030  # a part year counts as a year in service


def test_pilot_without_gate_warns() -> None:
    assert {f.severity for f in _findings(with_(pilot_gate_date=None), "pilot.scale_up_before_gate")} == {
        "warning"
    }


def test_carbon_budget_other_basis_warns() -> None:
    # market-based 100 + 10 embodied within 500; location-based 600 + 10 over it: warning
    found = _findings(with_years(emissions_location_tco2e=600), "sustainability.carbon_budget")
    assert {f.severity for f in found} == {"warning"}


def test_eed_threshold_boundary_and_colocation() -> None:
    def site_kw(kw: float, ownership: str = "owned") -> GovernanceFacts:
        site = {**HYBRID.sites[0].model_dump(), "it_power_kw": kw, "ownership": ownership}
        return with_deployment(sites=[site, HYBRID.sites[1].model_dump()])

    assert {f.severity for f in _findings(site_kw(500), "sustainability.eed_reporting")} == {"warning"}
    assert _findings(site_kw(499.9), "sustainability.eed_reporting") == []
    assert {f.severity for f in _findings(site_kw(800, "colocation"), "sustainability.eed_reporting")} == {
        "info"
    }


def test_unknown_provider_has_no_attestations() -> None:
    facts = with_(
        providers=[
            {"name": "aws", "attestations": ["iso_iec_27001", "soc2_type_2"]},
            {"name": "own", "kind": "own"},
        ]
    )
    found = [f for f in _findings(facts, "security.provider_attestations") if f.subject == "azure"]
    assert found[0].severity == "fail"


def test_missing_evidence_listed() -> None:
    facts = with_(
        evidence_provided=[e for e in ALL_EVIDENCE if e not in ("ai_policy", "incident_response_plan")]
    )
    f = _findings(facts, "governance.evidence")[0]
    assert f.severity == "warning"
    assert {e.name for e in f.evidence} == {"ai_policy", "incident_response_plan"}


def test_placement_of_unknown_workload_is_rejected() -> None:
    from stackplan.errors import InputError
    from stackplan.governance import facts_from_mapping

    data = CLEAN.model_dump()
    data["deployments"][0]["placements"][0]["workload"] = "nope"
    with pytest.raises(InputError, match="unknown workload 'nope'"):
        facts_from_mapping(data)
