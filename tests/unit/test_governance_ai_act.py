"""EU AI Act thresholds at their exact boundaries ("greater than", Art. 51(2) and the GPAI guidelines)."""

from __future__ import annotations

import math
from datetime import date

import pytest

from stackplan.governance import (
    GPAI_INDICATIVE_FLOP,
    SYSTEMIC_RISK_FLOP,
    GovernanceFacts,
    ModelFacts,
    ai_act_class,
    assess,
    training_compute_6nd_flop,
)
from stackplan.governance.checks.ai_act import applicable_obligations


def _one(
    model: ModelFacts, *evidence: str, check: str = "ai_act.training_compute", on: date = date(2026, 1, 15)
):  # type: ignore[no-untyped-def]
    facts = GovernanceFacts(assessment_date=on, models=(model,), evidence_provided=evidence)
    return [f for f in assess(facts).findings if f.check == check]


def test_thresholds_are_the_published_values() -> None:
    assert SYSTEMIC_RISK_FLOP == 1e25
    assert GPAI_INDICATIVE_FLOP == 1e23


@pytest.mark.parametrize(
    ("flop", "expected"),
    [
        (math.nextafter(1e25, math.inf), "systemic"),
        (1e25, "gpai"),  # "greater than 10^25": exactly 10^25 is not presumed systemic
        (math.nextafter(1e25, 0), "gpai"),
        (math.nextafter(1e23, math.inf), "gpai"),
        (1e23, "below"),
        (math.nextafter(1e23, 0), "below"),
        (0.0, "below"),
    ],
)
def test_classification_at_boundaries(flop: float, expected: str) -> None:
    assert ai_act_class(flop) == expected


def test_6nd_hand_worked() -> None:
    # 6 x 7e9 x 2e12 = 8.4e22
    assert training_compute_6nd_flop(7e9, 2e12) == pytest.approx(8.4e22)


def test_systemic_with_notification_is_warning() -> None:
    m = ModelFacts(name="big", training_flop=2e25)
    assert _one(m)[0].severity == "fail"
    assert _one(m, "ai_act_art52_notification")[0].severity == "warning"


def test_not_on_eu_market_or_not_generative_is_info() -> None:
    assert _one(ModelFacts(name="x", training_flop=2e25, placed_on_eu_market=False))[0].severity == "info"
    assert _one(ModelFacts(name="x", training_flop=2e23, generative=False))[0].severity == "info"


def test_obligations_listed_with_dates() -> None:
    ev = {e.name: str(e.value) for e in _one(ModelFacts(name="big", training_flop=2e25))[0].evidence}
    assert "applies 2025-08-02" in ev["Art. 52(1)"]
    assert "applies from 2027-08-02" in ev["Art. 111(3)"]  # after the assessment date
    assert {o.article for o in applicable_obligations("gpai")} >= {"Art. 53(1)(a)", "Art. 53(1)(d)"}
    assert "Art. 52(1)" not in {o.article for o in applicable_obligations("gpai")}
    assert {o.article for o in applicable_obligations("systemic")} >= {"Art. 52(1)", "Art. 55(1)(a)"}


@pytest.mark.parametrize(
    ("ft_flop", "severity"),
    [
        (math.nextafter(2.0**75, math.inf), "warning"),  # just above one third of 3 x 2^75
        (2.0**75, "info"),  # exactly one third (exact in binary): not "more than a third"
    ],
)
def test_one_third_rule_at_boundary(ft_flop: float, severity: str) -> None:
    m = ModelFacts(name="ft", training_flop=ft_flop, base_model="b", base_model_training_flop=3.0 * 2.0**75)
    assert _one(m, check="ai_act.modification")[0].severity == severity


def test_modification_unknown_base_and_own_base() -> None:
    unknown = ModelFacts(name="ft", training_flop=1e22, base_model="b")
    assert _one(unknown, check="ai_act.modification")[0].severity == "warning"
    own = ModelFacts(
        name="ft", training_flop=1e24, base_model="b", base_model_training_flop=1e24, base_model_is_own=True
    )
    assert _one(own, check="ai_act.modification")[0].severity == "info"


def test_technical_documentation_prefilled() -> None:
    m = ModelFacts(
        name="m", training_flop=2e23, training_time_h=720, accelerator_hours=1.8e6, energy_mwh=1_500
    )
    f = _one(m, check="ai_act.technical_documentation")[0]
    assert f.severity == "info"
    ev = {e.name: (e.value, e.unit) for e in f.evidence}
    assert ev["training compute"] == (2e23, "FLOP")
    assert ev["training time"] == (720, "h")
    assert ev["energy consumption"] == (1_500, "MWh")
    assert any(r.reference == "Annex XI" for r in f.references)


def test_below_gpai_needs_no_technical_documentation() -> None:
    assert _one(ModelFacts(name="m", training_flop=1e22), check="ai_act.technical_documentation") == []
