"""Governance wired to the plan: facts from a real plan, the scenario's governance section, JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import yaml
from typer.testing import CliRunner

from stackplan.catalog import get_model
from stackplan.cli import app
from stackplan.errors import InputError
from stackplan.governance import assess, training_compute_6nd_flop
from stackplan.governance.adapter import facts_from_plan, policies_from_settings, settings_of
from stackplan.plan import build_plan

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "enterprise_research.yaml"


@pytest.fixture(scope="module")
def plan():  # type: ignore[no-untyped-def]
    return build_plan(EXAMPLE)


def _scenario(tmp_path: Path, governance: dict[str, Any]) -> Path:
    data = yaml.safe_load(EXAMPLE.read_text())
    data["governance"] = governance
    path = tmp_path / "scenario.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_facts_from_plan(plan) -> None:  # type: ignore[no-untyped-def]
    facts = facts_from_plan(plan)
    kinds = {w.name: w.kind for w in facts.workloads}
    assert kinds == {
        "analyst-finetune": "fine_tuning",
        "research-assistant": "inference",
        "document-embedding": "batch",
    }
    assert {d.model for d in facts.deployments} == {d.model for d in plan.deployments}
    (ft,) = facts.models
    # 2e9 tokens on Llama 3.1 70B: 6 N D = 8.5e20 FLOP; model FLOPs at 8K add attention (~ +14 %)
    six_nd = training_compute_6nd_flop(get_model("llama-3.1-70b").architecture.total_params, 2e9)
    assert ft.training_flop == pytest.approx(six_nd, rel=0.2)
    assert ft.base_model == "llama-3.1-70b"
    # yearly spend, energy and emissions come straight from the plan
    d0 = plan.deployments[0]
    f0 = next(d for d in facts.deployments if d.model == d0.model)
    assert [y.energy_mwh for y in f0.years] == pytest.approx(list(d0.energy_mwh_by_year))
    assert [y.emissions_market_tco2e for y in f0.years] == pytest.approx(
        [e["market_based"] for e in d0.emissions_by_year]
    )
    # every placement respects the scenario's data classes (the plan only places where allowed)
    assert all(f.severity != "fail" for f in assess(facts).findings if f.check == "residency.data_class")


def test_plan_json_has_governance(plan) -> None:  # type: ignore[no-untyped-def]
    gov = plan.to_dict()["governance"]
    assert {"findings", "risk_register", "evidence_checklist"} <= set(gov)


def test_scenario_governance_section_and_policies(tmp_path: Path) -> None:
    providers = {"coreweave", "lambda", "colocation", "aws", "azure", "gcp"}
    path = _scenario(
        tmp_path,
        {
            "provider_attestations": {p: ["iso_iec_27001", "soc2_type_2"] for p in providers},
            "workloads": {"analyst-finetune": {"base_model_training_flop": 7.9e24}},
            "policies": [
                {
                    "id": "tiny",
                    "quantity": "year.energy_mwh",
                    "operator": "<",
                    "value": 0.001,
                    "message": "no energy",
                }
            ],
        },
    )
    plan = build_plan(path)
    settings = settings_of(plan)
    a = assess(facts_from_plan(plan), policies_from_settings(settings))
    assert not [f for f in a.findings if f.check == "security.provider_attestations" and f.severity == "fail"]
    assert {f.severity for f in a.findings if f.check == "ai_act.modification"} == {"info"}
    assert any(f.check == "policy.tiny" and f.severity == "fail" for f in a.findings)
    # the CLI on the scenario fails because of the policy
    result = CliRunner().invoke(app, ["check", str(path)])
    assert result.exit_code == 1


def test_unknown_workload_in_governance_section(tmp_path: Path) -> None:
    plan = build_plan(_scenario(tmp_path, {"workloads": {"analyst-fintune": {"critical": True}}}))
    with pytest.raises(InputError, match="analyst-finetune"):
        facts_from_plan(plan)


def test_html_report_has_risk_and_compliance_section(plan) -> None:  # type: ignore[no-untyped-def]
    from stackplan.report.html import plan_html

    html = plan_html(plan)
    assert 'id="risk-compliance"' in html
    assert "Risk register" in html
    assert "security.provider_attestations" in html
