"""Risk register: scoring, ratings, mitigation cost per year (hand-worked), and the shipped data."""

from __future__ import annotations

import re

import pytest

from stackplan.governance import CHECKS, assess, assessment_to_dict
from stackplan.governance.data import ai_act_obligations, evidence_catalogue, framework_refs, risk_templates
from stackplan.governance.risk import risk_rating, risk_score
from tests.unit.governance_fixtures import ALL_EVIDENCE, CLEAN, with_, with_years


@pytest.mark.parametrize(
    ("likelihood", "impact", "score", "rating"),
    [
        (1, 1, 1, "low"),
        (2, 2, 4, "low"),
        (1, 5, 5, "medium"),
        (3, 3, 9, "medium"),
        (2, 5, 10, "high"),
        (4, 4, 16, "high"),
        (4, 5, 20, "critical"),
        (5, 5, 25, "critical"),
    ],
)
def test_score_and_rating(likelihood: int, impact: int, score: int, rating: str) -> None:
    assert risk_score(likelihood, impact) == score
    assert risk_rating(score) == rating


@pytest.mark.parametrize(("likelihood", "impact"), [(0, 3), (6, 3), (3, 0), (3, 6)])
def test_score_rejects_out_of_scale(likelihood: int, impact: int) -> None:
    with pytest.raises(ValueError, match="1 to 5"):
        risk_score(likelihood, impact)


def test_clean_plan_has_empty_register_and_no_mitigation_cost() -> None:
    a = assess(CLEAN)
    assert a.risk_register == ()
    assert a.mitigation_cost_usd_by_year("hybrid") == {}


def test_register_entries_hand_worked() -> None:
    # over budget (fail) in both years; headroom warning (22 of 24 needed) in both years
    a = assess(with_years(budget_usd=900_000, capacity_accelerators=22))
    by = {e.check: e for e in a.risk_register}
    budget, headroom = by["finance.budget"], by["resilience.headroom"]
    # finance.budget template: likelihood_fail 5, impact 3 -> 15 high; cost fixed 0
    assert (budget.likelihood, budget.impact, budget.score, budget.rating) == (5, 3, 15, "high")
    assert budget.owner_role == "Finance business partner"
    assert len(budget.finding_ids) == 2
    # resilience.headroom: likelihood_warning 3, impact 4 -> 12 high; 5 % of 1.0 M spend = 50 k per year
    assert (headroom.likelihood, headroom.impact, headroom.score) == (3, 4, 12)
    assert [(c.year, c.usd) for c in headroom.mitigation_costs] == [
        (2026, pytest.approx(50_000)),
        (2027, pytest.approx(50_000)),
    ]
    assert a.mitigation_cost_usd_by_year("hybrid") == {
        2026: pytest.approx(50_000),
        2027: pytest.approx(50_000),
    }
    # highest score first
    scores = [e.score for e in a.risk_register]
    assert scores == sorted(scores, reverse=True)


def test_plan_wide_risk_costs_each_deployment_year() -> None:
    # missing attestation (provider-level finding, no deployment): fixed 10 000 USD/year in each year
    facts = with_(
        providers=[
            {"name": "aws"},
            {"name": "azure", "attestations": ["iso_iec_27001", "soc2_type_2"]},
            {"name": "own", "kind": "own"},
        ]
    )
    a = assess(facts)
    (entry,) = [e for e in a.risk_register if e.check == "security.provider_attestations"]
    assert entry.deployment is None
    assert a.mitigation_cost_usd_by_year("hybrid") == {2026: 10_000, 2027: 10_000}


def test_carbon_mitigation_per_mwh() -> None:
    # 5 USD/MWh x 400 MWh = 2 000 USD per year
    a = assess(with_years(emissions_market_tco2e=900))
    (entry,) = [e for e in a.risk_register if e.check == "sustainability.carbon_budget"]
    assert {c.usd for c in entry.mitigation_costs} == {2_000}


def test_json_section_has_the_contract_keys() -> None:
    d = assessment_to_dict(assess(with_years(budget_usd=900_000)))
    assert {"findings", "risk_register", "evidence_checklist"} <= set(d)
    f = d["findings"][0]
    assert {"id", "title", "severity", "component", "evidence", "references", "recommendation"} <= set(f)
    assert d["risk_register"][0]["mitigation_usd_by_year"]


# ------------------------------------------------------------------------------ shipped data
def test_every_check_has_references_and_a_risk_template() -> None:
    refs, templates = framework_refs(), risk_templates()
    for check in [*CHECKS, "governance.evidence", "policy"]:
        assert refs.get(check), check
        assert check in templates, check


def test_reference_identifiers_are_well_formed() -> None:
    patterns = {
        "NIST AI RMF 1.0": r"^(GOVERN|MAP|MEASURE|MANAGE) \d\.\d{1,2}$",
        "ISO/IEC 27001:2022": r"^A\.[5-8]\.\d{1,2}$",
        "ISO/IEC 42001:2023": r"^A\.(\d{1,2})\.\d(\.\d)?$",
    }
    for rows in framework_refs().values():
        for r in rows:
            if r.framework in patterns:
                assert re.match(patterns[r.framework], r.reference), (r.framework, r.reference)
            assert r.source


def test_ai_act_dates_of_application() -> None:
    dates = {o.id: o.applies_from.isoformat() for o in ai_act_obligations()}
    assert dates["ai_act_chapters_1_2"] == "2025-02-02"
    assert dates["ai_act_gpai_chapter_5"] == "2025-08-02"
    assert dates["ai_act_general_application"] == "2026-08-02"
    assert dates["ai_act_art_6_1"] == "2027-08-02"


def test_evidence_ids_unique_and_fixture_covers_them() -> None:
    ids = [s.id for s in evidence_catalogue()]
    assert len(ids) == len(set(ids))
    assert set(ALL_EVIDENCE) == set(ids)
