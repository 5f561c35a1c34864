"""Plan-level published anchor: the cost of an owned H100 accelerator-hour at 2025 prices.

Anchor (issue 4, "Validation"): an owned H100 costs roughly $1.9 per GPU-hour at full use and
about $3.2 at 60% utilisation, with Epoch-style amortisation over 5 years at a 10% cost of capital
in colocation; this sits in the band of 2025-26 neocloud prices (Epoch AI, "The cost of compute"
method: Cottier et al. 2024, arXiv:2405.21015). The plan's levelised cost per delivered
accelerator-hour (PV of compute lines over PV of delivered hours at 10%) is checked against it
with the shipped catalogues (H100 server price, fabric, colocation, electricity in us-va).
"""

from __future__ import annotations

import pytest

from stackplan.plan import build_plan
from stackplan.plan_inputs import inputs_for
from tests.unit.plan_fixtures import flat_demand, hand_scenario

ANCHORS = [(1.0, 1.9), (0.6, 3.2)]  # (utilisation, USD per GPU-hour)
TOLERANCE = 0.15


@pytest.mark.parametrize(("utilisation", "published"), ANCHORS)
def test_owned_h100_hour_matches_the_published_anchor(utilisation: float, published: float) -> None:
    sc = hand_scenario(models="[on_prem]", horizon=5, utilisation=1.0, discount=0.10)
    plan = build_plan(sc, inputs=inputs_for(sc), demand=flat_demand(sc, 800, busy_share=utilisation))
    predicted = plan.deployment("on_prem").usd_per_accelerator_hour
    assert predicted is not None
    assert abs(predicted / published - 1) <= TOLERANCE, f"{predicted:.2f} vs {published}"
