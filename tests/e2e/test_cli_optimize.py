"""``stackplan optimize`` end to end on the bundled problem file (wiring only; numbers are tested elsewhere)."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from stackplan.cli import app

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "capacity_problem.yaml"


def test_optimize_prints_the_schedule_and_writes_json(tmp_path: Path) -> None:
    out = tmp_path / "plan.json"
    result = CliRunner().invoke(app, ["optimize", str(EXAMPLE), "--json", str(out)])
    assert result.exit_code == 0, result.output
    assert "What to buy when" in result.output
    assert "Gate pilot -> " in result.output
    data = json.loads(out.read_text())
    assert data["plan"]["purchases"]
    assert {"expected_npv_cost_usd", "mix", "costs", "unmet", "carbon_tco2e"} <= set(data["plan"])


def test_bad_problem_file_is_a_user_error_without_traceback(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("capacity_problem:\n  periods: {start_year: 2026}\n  workload: []\n")
    result = CliRunner().invoke(app, ["optimize", str(bad)])
    assert result.exit_code == 2
    assert "did you mean 'workloads'?" in result.output
    assert "Traceback" not in result.output
