"""Wiring of the optimiser into the plan's hybrid deployment."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import stackplan.optimize.from_plan as from_plan
from stackplan.optimize.from_plan import DUTY_BANDS, _bands
from stackplan.plan import build_plan
from stackplan.plan_inputs import inputs_for
from stackplan.scenario import load_scenario

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "eu_saas_inference.yaml"


def test_step_load_is_one_band_at_its_duty() -> None:
    # 10 devices busy 35% of the year, idle otherwise: one band 10 devices wide, duty bin 0.3-0.4
    ldc = np.where(np.arange(200) < 70, 10.0, 0.0)
    bands = _bands(ldc)
    assert len(bands) == DUTY_BANDS
    widths = {round(d, 2): w for w, d in bands if w > 0}
    assert widths == {0.35: pytest.approx(10.0)}


def test_ramp_load_spreads_over_duty_bands() -> None:
    # a linear curve from 10 down to 0: the device at height x is busy (10 - x) / 10 of the year,
    # so every duty band is 1 device wide
    ldc = 10.0 * (1 - (np.arange(200) + 0.5) / 200)
    widths = [w for w, _ in _bands(ldc)]
    assert sum(widths) == pytest.approx(ldc.max())  # the bands stack up to the peak
    assert widths == pytest.approx([1.0] * DUTY_BANDS, abs=0.06)  # 200-point discretisation


def test_hybrid_deployment_owns_what_the_optimiser_decides(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    def fake(scenario: object, inputs: object, placements: object) -> dict[str, tuple[float, ...]]:
        calls.append("optimiser")
        return {"h100-sxm": (16.0,) * 5}

    monkeypatch.setattr(from_plan, "optimised_owned_levels", fake)
    plan = build_plan(EXAMPLE)
    assert calls == ["optimiser"]  # asked once, for the hybrid deployment only
    hybrid = next(d for d in plan.deployments if d.model == "hybrid")
    # the ledger buys 16 H100 (two servers) as told, plus one MI300X server for the work that may not
    # leave the owned site (never less than that, whatever the optimiser says)
    servers = inputs_for(load_scenario(EXAMPLE)).servers
    bought = sum(cf.lines.get("accelerator_servers", 0.0) for cf in hybrid.cash_flows)
    assert bought == pytest.approx(
        16 * servers["h100-sxm"].capex_usd_per_accelerator + 8 * servers["mi300x"].capex_usd_per_accelerator
    )
