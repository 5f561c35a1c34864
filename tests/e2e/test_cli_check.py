"""``stackplan check``: exit codes 0 (no failure), 1 (a failure), 2 (bad input); JSON output."""

from __future__ import annotations

import json
from pathlib import Path

import yaml
from typer.testing import CliRunner

from stackplan.cli import app
from tests.unit.governance_fixtures import CLEAN, with_years

runner = CliRunner()
EXAMPLES = Path(__file__).resolve().parents[2] / "examples" / "governance"


def _facts_file(tmp_path: Path, facts: object = CLEAN) -> Path:
    path = tmp_path / "facts.yaml"
    path.write_text(yaml.safe_dump({"governance_facts": facts.model_dump(mode="json")}))  # type: ignore[attr-defined]
    return path


def test_clean_plan_exits_0_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "gov.json"
    result = runner.invoke(app, ["check", str(_facts_file(tmp_path)), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "0 failed" in result.output
    data = json.loads(out.read_text())
    assert {"findings", "risk_register", "evidence_checklist"} <= set(data)
    assert data["summary"]["counts"]["fail"] == 0


def test_failure_exits_1(tmp_path: Path) -> None:
    result = runner.invoke(app, ["check", str(_facts_file(tmp_path, with_years(budget_usd=900_000)))])
    assert result.exit_code == 1
    assert "finance.budget" in result.output


def test_policy_failure_exits_1(tmp_path: Path) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text(
        "policies:\n  - {id: low, quantity: year.emissions_market_tco2e, operator: '<', value: 50, message: low carbon}\n"
    )
    result = runner.invoke(app, ["check", str(_facts_file(tmp_path)), "--policies", str(pol)])
    assert result.exit_code == 1
    assert "policy.low" in result.output


def test_unknown_quantity_exits_2_with_names(tmp_path: Path) -> None:
    pol = tmp_path / "p.yaml"
    pol.write_text("policies:\n  - {id: x, quantity: year.emission, operator: '<', value: 5, message: m}\n")
    result = runner.invoke(app, ["check", str(_facts_file(tmp_path)), "--policies", str(pol)])
    assert result.exit_code == 2
    assert "unknown quantity 'year.emission'" in result.output
    assert "year.emissions_market_tco2e" in result.output
    assert "Traceback" not in result.output


def test_bad_facts_exit_2(tmp_path: Path) -> None:
    path = tmp_path / "f.yaml"
    path.write_text(
        "governance_facts:\n  assessment_date: 2026-01-01\n  workloads: [{name: a, kind: serving, data_class: x}]\n"
    )
    result = runner.invoke(app, ["check", str(path)])
    assert result.exit_code == 2
    assert "governance_facts.workloads.0.kind" in result.output


def test_bundled_example_fails_on_its_policies(tmp_path: Path) -> None:
    out = tmp_path / "gov.json"
    args = ["check", str(EXAMPLES / "facts_eu_saas.yaml"), "--policies", str(EXAMPLES / "policies.yaml")]
    result = runner.invoke(app, [*args, "--all", "--json", str(out)])
    assert result.exit_code == 1
    failed = {f["check"] for f in json.loads(out.read_text())["findings"] if f["severity"] == "fail"}
    # 'support-assistant' runs in eu-central too; nightly batch on spot without checkpoints;
    # servers bought 2026-05-01 before the 2026-06-30 gate; the colocation operator lacks SOC 2 Type II
    assert failed == {
        "policy.restricted-stays-in-eu-west",
        "resilience.spot",
        "pilot.scale_up_before_gate",
        "security.provider_attestations",
    }
