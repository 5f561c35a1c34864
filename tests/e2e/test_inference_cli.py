"""``stackplan predict inference`` end to end: the JSON contract and readable errors (no traceback)."""

from __future__ import annotations

import json

import pytest
from typer.testing import CliRunner

from stackplan.cli import app
from stackplan.validation import all_cases

runner = CliRunner()
BASE = ["predict", "inference", "--model", "llama-3.1-70b", "--accelerator", "h100-sxm"]
LENGTHS = ["--input-tokens", "1000", "--output-tokens", "500"]


def test_json_contract() -> None:
    r = runner.invoke(app, [*BASE, "--count", "8", *LENGTHS, "--precision", "fp8", "--json"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    for key in (
        "output_tokens_per_s",
        "output_tokens_per_s_per_device",
        "ttft_ms",
        "tpot_ms",
        "batch_size",
        "memory_gib_per_device",
        "kv_cache_gib",
        "parallelism",
    ):
        assert key in data
    assert data["output_tokens_per_s_per_device"] * 8 == data["output_tokens_per_s"]
    # one decode iteration at the batch, by part; TPOT also carries the other requests' prompt chunks
    decode = data["decode_iteration_ms"]
    assert {"dense_gemm", "decode_attention", "kernel_latency", "cpu"} <= set(decode)
    assert 0.0 < sum(decode.values()) <= data["tpot_ms"] * (1 + 1e-9)
    assert sum(data["prefill_iteration_ms"].values()) > 0.0
    acc = data["validated_accuracy"]
    assert set(acc) == {"output_tokens_per_s", "ttft_ms", "tpot_ms"}
    assert all(a["split"] == "held-out" and a["cases"] > 0 for a in acc.values())


def test_batch_size_and_targets_and_table() -> None:
    r = runner.invoke(app, [*BASE, "--count", "8", *LENGTHS, "--batch-size", "32", "--tp", "8", "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.stdout)["batch_size"] == 32
    r = runner.invoke(app, [*BASE, "--count", "8", *LENGTHS, "--max-tpot-ms", "30"])
    assert r.exit_code == 0, r.output
    assert "output tokens/s" in r.stdout
    assert "accuracy on held-out measurements" in r.stdout
    assert "decode iteration, ms" in r.stdout


def test_does_not_fit_is_a_readable_error() -> None:
    r = runner.invoke(app, [*BASE, "--count", "1", *LENGTHS, "--precision", "bf16"])
    assert r.exit_code == 2
    assert "GiB" in r.output
    assert "smallest count" in " ".join(r.output.split())
    assert "Traceback" not in r.output


def test_unmet_targets_is_a_readable_error() -> None:
    r = runner.invoke(app, [*BASE, "--count", "8", *LENGTHS, "--max-tpot-ms", "0.1"])
    assert r.exit_code == 2
    assert "best TPOT reachable" in " ".join(r.output.split())
    assert "Traceback" not in r.output


def test_unknown_ids_and_bad_numbers() -> None:
    r = runner.invoke(
        app,
        [
            "predict",
            "inference",
            "--model",
            "llama-3.1-70",
            "--accelerator",
            "h100-sxm",
            "--count",
            "8",
            *LENGTHS,
        ],
    )
    assert r.exit_code == 2
    assert "did you mean" in " ".join(r.output.split())
    r = runner.invoke(app, [*BASE, "--count", "0", *LENGTHS])
    assert r.exit_code == 2
    assert "--count" in r.output
    r = runner.invoke(app, [*BASE, "--count", "8", *LENGTHS, "--tp", "3"])
    assert r.exit_code == 2
    assert "Traceback" not in r.output


def test_catalog_shows_inference_efficiency() -> None:
    r = runner.invoke(app, ["catalog", "accelerators", "--json"])
    assert r.exit_code == 0
    rows = json.loads(r.stdout)["inference_efficiency"]
    assert any(e["accelerator"] == "h100-sxm" and e["precision"] == "fp8" for e in rows)
    assert all(e["source"] for e in rows)


def test_catalog_shows_serving_frameworks() -> None:
    r = runner.invoke(app, ["catalog", "frameworks", "--json"])
    assert r.exit_code == 0
    rows = {f["id"]: f for f in json.loads(r.stdout)["serving_frameworks"]}
    assert {"trtllm", "vllm", "sglang"} <= set(rows)
    assert rows["vllm"]["kv_admission"] == "current_length"
    assert rows["vllm"]["async_scheduling"] is True
    assert all(f["source"] for f in rows.values())
    r = runner.invoke(app, ["catalog", "frameworks"])
    assert r.exit_code == 0
    assert "Serving frameworks" in r.stdout
    assert "trtllm (NVIDIA TensorRT-LLM" in r.stdout
    assert "DeepEP" in r.stdout
    assert "MoE kernels" in r.stdout


def test_catalog_frameworks_lists_measured_moe_kernels() -> None:
    r = runner.invoke(app, ["catalog", "frameworks", "--json"])
    kernels = json.loads(r.stdout)["moe_kernels"]
    keys = {(k["framework"], k["accelerator"], k["precision"]) for k in kernels}
    assert {("trtllm", "b200", "fp4"), ("sglang", "h200", "fp8"), ("vllm", "gb200", "bf16")} <= keys
    assert all(
        0.0 < k["expert_bandwidth_efficiency"] <= 1.0 and "AIConfigurator" in k["source"] for k in kernels
    )


def test_validate_summarises_large_groups() -> None:
    r = runner.invoke(app, ["validate", "--category", "inference"])
    assert r.exit_code == 0, r.output
    assert "summary per group" in r.stdout
    # 4,735 inference cases; the large groups print as one summary line each, the small ones case by case
    # (2,001 lines on 2026-11-27): printed case by case the table would take a line or more per case
    cases = [c for c in all_cases() if c.category == "inference"]
    assert len(cases) > 4000
    assert r.stdout.count("\n") < 0.5 * len(cases)


def test_latency_percentile_option() -> None:
    r = runner.invoke(
        app,
        [*BASE, "--count", "8", *LENGTHS, "--max-tpot-ms", "40", "--latency-percentile", "99", "--json"],
    )
    assert r.exit_code == 0, r.output
    d = json.loads(r.output)
    assert d["latency_percentile"] == 99
    assert d["tpot_percentile_ms"] <= 40.0
    assert d["tpot_percentile_ms"] >= d["tpot_ms"]


def test_tp_that_does_not_divide_the_heads_is_refused() -> None:
    # DeepSeek-R1 has 128 attention heads: TP 48 cannot split them
    r = runner.invoke(
        app,
        ["predict", "inference", "--model", "deepseek-r1", "--accelerator", "gb200", "--count", "48",
         "--input-tokens", "1024", "--output-tokens", "1024", "--tp", "48"],
    )  # fmt: skip
    assert r.exit_code == 2
    assert "--tp" in r.output
    assert "128 attention heads" in r.output
    assert "Traceback" not in r.output


def test_deployment_settings_override_the_framework_defaults() -> None:
    # TensorRT-LLM defaults (serving_frameworks.csv): 8,192 tokens per iteration, chunked prefill,
    # up to 2,048 sequences, 90 % of HBM. The flags replace them and the JSON reports what was used.
    args = [
        *BASE,
        "--count",
        "8",
        *LENGTHS,
        "--precision",
        "fp8",
        "--tp",
        "8",
        "--batch-size",
        "64",
        "--json",
    ]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    default = json.loads(r.stdout)
    assert default["framework_settings"] == {
        "max_num_tokens": 8192,
        "max_batch_size": 2048,
        "chunked_prefill": True,
        "memory_fraction": 0.9,
        "moe_backend": "default",
        "async_scheduling": False,
    }
    r = runner.invoke(
        app, [*args, "--max-num-tokens", "1064", "--no-chunked-prefill", "--memory-fraction", "0.8"]
    )
    assert r.exit_code == 0, r.output
    tuned = json.loads(r.stdout)
    assert tuned["framework_settings"]["max_num_tokens"] == 1064
    assert tuned["framework_settings"]["chunked_prefill"] is False
    assert tuned["framework_settings"]["memory_fraction"] == 0.8
    # a smaller memory share holds fewer sequences
    assert tuned["max_batch_size"] < default["max_batch_size"]
    r = runner.invoke(app, [*args[:-1], "--max-batch-per-instance", "16"])
    assert r.exit_code == 0, r.output
    assert "16 sequences/instance" in " ".join(r.stdout.split())


def test_deployment_settings_are_checked() -> None:
    args = [*BASE, "--count", "8", *LENGTHS, "--precision", "fp8", "--tp", "8"]
    r = runner.invoke(app, [*args, "--max-num-tokens", "512", "--no-chunked-prefill"])
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    assert "--max-num-tokens" in text
    assert "at least 1,000" in text
    assert "Traceback" not in text
    for flag, value in (
        ("--max-num-tokens", "0"),
        ("--max-batch-per-instance", "0"),
        ("--memory-fraction", "1.5"),
    ):
        r = runner.invoke(app, [*args, flag, value])
        assert r.exit_code == 2, (flag, r.output)
        assert flag in r.output
        assert "Traceback" not in r.output


MOE_B200 = [
    "predict",
    "inference",
    "--model",
    "qwen3-235b-a22b",
    "--accelerator",
    "b200",
    "--count",
    "8",
    "--input-tokens",
    "128",
    "--output-tokens",
    "1024",
    "--precision",
    "fp4",
    "--tp",
    "1",
    "--ep",
    "8",
    "--batch-size",
    "512",
    "--framework",
    "trtllm",
    "--json",
]


def test_moe_backend_changes_expert_streaming() -> None:
    # TensorRT-LLM on B200 NVFP4: CUTLASS (default) streams experts at 0.49 of HBM, TRTLLM-gen at 0.85
    r = runner.invoke(app, MOE_B200)
    assert r.exit_code == 0, r.output
    default = json.loads(r.stdout)
    r = runner.invoke(app, [*MOE_B200, "--moe-backend", "trtllm"])
    assert r.exit_code == 0, r.output
    gen = json.loads(r.stdout)
    assert gen["framework_settings"]["moe_backend"] == "TRTLLM"
    assert gen["tpot_ms"] < 0.95 * default["tpot_ms"]


def test_moe_backend_is_checked_against_the_measurements() -> None:
    # an unknown backend name, and one not measured on the chip (TRTLLM-gen kernels are Blackwell only)
    r = runner.invoke(app, [*MOE_B200, "--moe-backend", "marlin"])
    assert r.exit_code == 2
    assert "--moe-backend" in r.output
    assert "CUTLASS" in r.output
    hopper = [a if a != "b200" else "h200" for a in MOE_B200]
    hopper = [a if a != "fp4" else "fp8" for a in hopper]
    r = runner.invoke(app, [*hopper, "--moe-backend", "TRTLLM"])
    assert r.exit_code == 2
    text = " ".join(r.output.split())
    assert "--moe-backend" in text
    assert "use one of CUTLASS" in text
    assert "Traceback" not in text


def test_async_scheduling_hides_the_cpu_step() -> None:
    # vLLM schedules asynchronously by default (from vLLM 0.14): its 1.0 ms CPU step overlaps a decode
    # step that takes longer, so every decode iteration is 1.0 ms shorter than with the step added.
    args = [
        *BASE,
        "--count",
        "8",
        *LENGTHS,
        "--tp",
        "8",
        "--batch-size",
        "8",
        "--framework",
        "vllm",
        "--json",
    ]
    r = runner.invoke(app, args)
    assert r.exit_code == 0, r.output
    overlapped = json.loads(r.stdout)
    assert overlapped["framework_settings"]["async_scheduling"] is True
    r = runner.invoke(app, [*args, "--no-async-scheduling"])
    assert r.exit_code == 0, r.output
    serial = json.loads(r.stdout)
    assert serial["framework_settings"]["async_scheduling"] is False
    assert serial["tpot_ms"] - overlapped["tpot_ms"] == pytest.approx(1.0, abs=0.05)


def test_cost_per_million_tokens() -> None:
    args = [*BASE, "--count", "8", *LENGTHS, "--precision", "fp8", "--json"]
    r = runner.invoke(app, [*args, "--usd-per-device-hour", "2.0"])
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    cost = data["cost"]
    assert cost["usd_per_hour"] == pytest.approx(16.0)
    tokens_per_hour = data["output_tokens_per_s"] * 3600 * (1000 + 500) / 500
    assert cost["usd_per_million_tokens_blended"] == pytest.approx(16.0 / tokens_per_hour * 1e6)
    assert cost["usd_per_million_output_tokens_all_in"] == pytest.approx(
        16.0 / (data["output_tokens_per_s"] * 3600) * 1e6
    )
    # without a price: the lowest catalogue listing of the chip, named
    r = runner.invoke(app, [*args, "--provider", "aws", "--pricing", "commit_3y"])
    assert r.exit_code == 0, r.output
    cost = json.loads(r.stdout)["cost"]
    assert (cost["provider"], cost["pricing"]) == ("aws", "commit_3y")
    r = runner.invoke(app, [*BASE, "--count", "8", *LENGTHS, "--precision", "fp8"])
    assert "USD per million tokens" in r.stdout
    r = runner.invoke(app, [*args, "--pricing", "free"])
    assert r.exit_code == 2
    assert "--pricing" in r.output or "pricing" in r.output


def test_service_sizing_command() -> None:
    base = ["predict", "service", "--model", "llama-3.1-70b", "--requests-per-s", "20", *LENGTHS]
    r = runner.invoke(
        app,
        [
            *base,
            "--max-tpot-ms",
            "50",
            "--accelerator",
            "h100-sxm",
            "--accelerator",
            "b200",
            "--precision",
            "fp8",
            "--json",
        ],
    )
    assert r.exit_code == 0, r.output
    data = json.loads(r.stdout)
    opts = data["options"]
    assert {o["accelerator"] for o in opts} == {"h100-sxm", "b200"}
    hourly = [o["cost"]["usd_per_hour"] for o in opts]
    assert hourly == sorted(hourly)
    for o in opts:
        p = o["prediction"]
        # the replicas sustain the rate, within the target
        assert o["replicas"] * p["output_tokens_per_s"] >= 20 * 500
        assert p["tpot_ms"] <= 50
        assert o["devices"] == o["replicas"] * p["count"]
        assert o["cost"]["usd_per_hour"] == pytest.approx(o["devices"] * o["cost"]["usd_per_device_hour"])
    r = runner.invoke(app, [*base, "--accelerator", "h100-sxm"])
    assert r.exit_code == 0, r.output
    assert "cheapest" in r.stdout
    r = runner.invoke(
        app, ["predict", "service", "--model", "llama-3.1-70b", "--requests-per-s", "0", *LENGTHS]
    )
    assert r.exit_code == 2
    assert "--requests-per-s" in r.output
