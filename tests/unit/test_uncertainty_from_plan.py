"""The plan's Monte Carlo is centred on the plan: at every input's median it reproduces the plan's costs."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from stackplan.cli import app
from stackplan.plan import build_plan
from stackplan.uncertainty import Fixed, UncertainInputs, run_monte_carlo
from stackplan.uncertainty.from_plan import plan_uncertain_inputs

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "frontier_lab.yaml"


def test_model_at_the_medians_equals_the_plan() -> None:
    plan = build_plan(EXAMPLE)
    base, uncertain, shapes = plan_uncertain_inputs(plan)
    at_median = UncertainInputs(**{n: Fixed(getattr(uncertain, n).ppf(0.5)) for n in uncertain.names()})
    result = run_monte_carlo(base, at_median, shapes, 3, np.random.default_rng(0))
    for outcome in result.outcomes:
        d = plan.deployment(outcome.name)
        assert outcome.tco_usd.p50 == pytest.approx(d.tco_usd, rel=1e-9)
        assert outcome.npv_usd.p50 == pytest.approx(d.npv_usd, rel=1e-6)


def test_plan_uncertainty_option_adds_the_summary(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["plan", str(EXAMPLE), "--uncertainty", "500", "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "Uncertainty: 500 samples" in result.output
    data = json.loads(out.read_text())
    assert data["uncertainty"]["n_samples"] == 500
    assert sum(d["probability_cheapest"] for d in data["uncertainty"]["deployments"]) == pytest.approx(1.0)
    # the issue-5 keys of the plan contract are filled from the hybrid's optimised capacity plan
    assert data["optimizer"]["purchases"]
    assert data["roadmap"]["phases"][0]["name"] == "pilot"
