"""``stackplan predict training`` and ``stackplan demo`` end to end (in-process CLI)."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from stackplan.cli import app

runner = CliRunner()

KEYS = {
    "accelerator_hours",
    "wall_clock_days",
    "tokens_per_s_per_device",
    "model_tflops_per_device",
    "hardware_tflops_per_device",
    "mfu",
    "step_time_s",
    "memory_gib_per_device",
    "total_flops",
    "energy_mwh",
    "parallelism",
}


def _run(*args: str) -> tuple[int, str]:
    res = runner.invoke(app, ["predict", "training", *args])
    return res.exit_code, res.output


def test_json_contract_with_search() -> None:
    code, out = _run(
        "--model", "llama-3.1-8b", "--accelerator", "h100-sxm", "--count", "64",
        "--tokens", "1e12", "--seq-len", "4096", "--global-batch-seqs", "256", "--json",
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(out)
    assert set(data) >= KEYS
    assert set(data["parallelism"]) == {"tp", "pp", "dp", "ep", "cp"}
    assert data["search"]["configurations_evaluated"] > 0
    assert data["accelerator_hours"] > 0


def test_json_without_tokens_has_null_hours_and_no_search_when_all_given() -> None:
    code, out = _run(
        "--model", "llama-2-7b", "--accelerator", "a100-sxm-80gb", "--count", "8", "--seq-len", "4096",
        "--global-batch-seqs", "64", "--tp", "1", "--pp", "1", "--dp", "8", "--cp", "1", "--ep", "1",
        "--recompute", "selective", "--virtual-stages", "1", "--micro-batch", "1", "--zero", "1", "--json",
    )  # fmt: skip
    assert code == 0, out
    data = json.loads(out)
    assert data["accelerator_hours"] is None
    assert "search" not in data


def test_tables_without_json() -> None:
    code, out = _run(
        "--model", "llama-3.1-8b", "--accelerator", "h100-sxm", "--count", "16", "--tokens", "1e11"
    )
    assert code == 0, out
    for text in (
        "Step time breakdown",
        "pipeline bubble",
        "Memory per device",
        "optimizer states",
        "Parallelism",
    ):
        assert text in out


def test_unknown_model_lists_closest_no_traceback() -> None:
    code, out = _run("--model", "llama-3.1-80b", "--accelerator", "h100-sxm", "--count", "8")
    assert code == 2
    assert "did you mean" in out
    assert "Traceback" not in out


def test_tp_larger_than_heads_names_the_option() -> None:
    code, out = _run("--model", "llama-2-7b", "--accelerator", "h100-sxm", "--count", "64", "--tp", "64")
    assert code == 2
    assert "--tp" in out
    assert "Traceback" not in out


def test_batch_not_divisible_by_dp() -> None:
    code, out = _run(
        "--model", "llama-2-7b", "--accelerator", "h100-sxm", "--count", "24", "--tp", "1", "--pp", "1",
        "--cp", "1", "--dp", "24", "--global-batch-seqs", "100",
    )  # fmt: skip
    assert code == 2
    assert "--global-batch-seqs" in out


def test_zero_count_and_bad_tokens() -> None:
    code, out = _run("--model", "llama-2-7b", "--accelerator", "h100-sxm", "--count", "0")
    assert code == 2
    assert "--count" in out
    code, out = _run("--model", "llama-2-7b", "--accelerator", "h100-sxm", "--count", "8", "--tokens", "lots")
    assert code == 2
    assert "--tokens" in out


def test_does_not_fit_reports_memory_and_fix() -> None:
    code, out = _run("--model", "llama-3.1-405b", "--accelerator", "a100-sxm-80gb", "--count", "8")
    assert code == 2
    assert "GiB" in out
    assert "devices" in out
    assert "Traceback" not in out


def test_demo_prints_the_table() -> None:
    res = runner.invoke(app, ["demo"])
    assert res.exit_code == 0, res.output
    assert "accelerator-hours" in res.output
    assert "Step time breakdown" in res.output
