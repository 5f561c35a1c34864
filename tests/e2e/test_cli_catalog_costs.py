"""``stackplan catalog`` cost commands: wiring, sources shown, JSON shape, helpful errors."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from stackplan.cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    "command", ["prices", "api-prices", "storage", "onprem", "carbon", "people", "assumptions", "regions"]
)
def test_command_lists_rows_with_sources(command: str) -> None:
    result = runner.invoke(app, ["catalog", command], env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    assert "source" in result.output


def test_prices_json_filters_by_accelerator() -> None:
    result = runner.invoke(app, ["catalog", "prices", "--accelerator", "tpu-v6e", "--json"])
    assert result.exit_code == 0
    rows = json.loads(result.output)["cloud_prices"]
    assert rows
    assert {r["accelerator"] for r in rows} == {"tpu-v6e"}
    assert all(r["source"] for r in rows)


def test_unknown_accelerator_is_a_user_error_with_a_suggestion() -> None:
    result = runner.invoke(app, ["catalog", "prices", "--accelerator", "h10"])
    assert result.exit_code == 2
    assert "h100-sxm" in result.output
    assert "Traceback" not in result.output
