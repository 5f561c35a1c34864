"""End-to-end: `stackplan plan` and `stackplan check-scenario` through the CLI (typer CliRunner)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stackplan.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "enterprise_research.yaml"
runner = CliRunner()

TOP_KEYS = {"stackplan_version", "catalog_version", "scenario", "components", "deployments", "recommendation"}
DEPLOYMENT_KEYS = {
    "model", "cash_flows", "tco_usd", "npv_cost_usd", "value_usd", "npv_usd", "roi", "payback_years",
    "energy_mwh", "emissions_tco2e", "water_m3", "unit_costs",
}  # fmt: skip


def test_plan_writes_json_html_and_markdown(tmp_path: Path) -> None:
    out_json, out_html, out_md = tmp_path / "p.json", tmp_path / "r" / "p.html", tmp_path / "p.md"
    result = runner.invoke(
        app, ["plan", str(EXAMPLE), "--json", str(out_json), "--html", str(out_html), "--md", str(out_md)]
    )
    assert result.exit_code == 0, result.output
    assert "Recommendation" in result.output
    data = json.loads(out_json.read_text())
    assert set(data) >= TOP_KEYS
    assert set(data["components"]) == {"compute", "data", "networking", "platform", "ecosystem", "governance"}
    assert [d["model"] for d in data["deployments"]] == ["cloud_first", "hybrid", "on_prem"]
    for d in data["deployments"]:
        assert set(d) >= DEPLOYMENT_KEYS
        assert set(d["emissions_tco2e"]) == {"location_based", "market_based", "embodied"}
        assert {"usd_per_accelerator_hour", "services"} <= set(d["unit_costs"])
        for cf in d["cash_flows"]:
            assert {"year", "capex_usd", "opex_usd", "hidden_usd", "lines"} <= set(cf)
            assert abs(cf["capex_usd"] + cf["opex_usd"] + cf["hidden_usd"] - sum(cf["lines"].values())) < 1e-3
    assert data["recommendation"]["deployment"] in {"cloud_first", "hybrid", "on_prem"}
    assert data["recommendation"]["reasons"]
    html = out_html.read_text()
    assert html.startswith("<!DOCTYPE html>")
    assert "cdn" not in html.lower().split("<script>")[0]  # no external script before the inlined bundle
    assert "<script src=" not in html
    assert "Plotly.newPlot" in html
    assert "# Stackplan plan" in out_md.read_text()


def test_invalid_scenario_lists_every_problem_exits_2_and_writes_nothing(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        EXAMPLE.read_text().replace("horizon_years: 5", "horizon_year: 5").replace("h200", "h2000")
    )
    out = tmp_path / "out.json"
    result = runner.invoke(app, ["plan", str(bad), "--json", str(out), "--html", str(tmp_path / "x.html")])
    assert result.exit_code == 2
    assert "horizon_year" in result.output
    assert "h2000" in result.output
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == [bad]


def test_check_scenario_valid_and_invalid(tmp_path: Path) -> None:
    ok = runner.invoke(app, ["check-scenario", str(EXAMPLE)])
    assert ok.exit_code == 0
    assert "valid" in ok.output
    bad = tmp_path / "bad.yaml"
    bad.write_text("schema_version: 1\norganization: {name: x\n")
    result = runner.invoke(app, ["check-scenario", str(bad)])
    assert result.exit_code == 2
    assert "line" in result.output
    assert "column" in result.output


def test_demo_plans_the_example_and_writes_the_html(tmp_path: Path) -> None:
    html = tmp_path / "plan.html"
    result = runner.invoke(app, ["demo", "--no-training", "--scenario", str(EXAMPLE), "--html", str(html)])
    assert result.exit_code == 0, result.output
    assert "Recommendation" in result.output
    assert html.read_text().startswith("<!DOCTYPE html>")
