"""Catalogue efficiencies against GPU kernels measured by this project (benchmarks/device/).

The measurements (validation/data/kernels/, measured 2026-11-26 on one H100 SXM and one H200 with
PyTorch 2.11) are independent of the published figures the catalogue was built from, so they
check those figures on real hardware.
"""

from __future__ import annotations

import csv
import io
from importlib import resources

import pytest

from stackplan.catalog import get_accelerator


def _rows(name: str) -> list[dict[str, str]]:
    text = resources.files("stackplan.validation").joinpath("data", "kernels", name).read_text()
    body = "\n".join(line for line in text.splitlines() if not line.startswith("#"))
    return list(csv.DictReader(io.StringIO(body)))


@pytest.mark.parametrize("acc_id", ["h100-sxm", "h200"])
def test_memory_bandwidth_efficiency_matches_measured_streaming_read(acc_id: str) -> None:
    acc = get_accelerator(acc_id)
    rows = [r for r in _rows(f"{acc_id}_bandwidth.csv") if r["test"] == "read_sum" and float(r["gib"]) >= 1]
    measured_tb_s = max(float(r["tb_per_s"]) for r in rows)
    measured_eff = measured_tb_s / acc.hbm_bandwidth_tb_s
    assert acc.memory_bandwidth_efficiency == pytest.approx(measured_eff, abs=0.05)


@pytest.mark.parametrize("acc_id", ["h100-sxm", "h200"])
def test_matmul_efficiency_is_the_best_large_gemm_within_12pct(acc_id: str) -> None:
    """The catalogue's MAMF (a sweep over many shapes, stas00/ml-engineering) vs our 24-shape sweep.

    Measured here: best 740 TFLOP/s on H100 and 714 on H200 against 794.5 published; sustained large
    GEMMs on random data run at the 700 W power limit, so a small sweep lands 7-10% under the MAMF.
    """
    acc = get_accelerator(acc_id)
    bf16 = [r for r in _rows(f"{acc_id}_gemm.csv") if r["dtype"] == "bf16" and int(r["m"]) >= 1024]
    best_tflops = max(float(r["tflops"]) for r in bf16)
    assert acc.matmul_efficiency * acc.peak_tflops_bf16 == pytest.approx(best_tflops, rel=0.12)


@pytest.mark.parametrize("acc_id", ["h100-sxm", "h200"])
def test_small_batch_gemm_is_memory_bound(acc_id: str) -> None:
    """At m=1 a GEMM streams the weight matrix: achieved bandwidth is near the HBM roofline."""
    acc = get_accelerator(acc_id)
    rows = [r for r in _rows(f"{acc_id}_gemm.csv") if r["dtype"] == "bf16" and r["m"] == "1"]
    big = [r for r in rows if int(r["n"]) * int(r["k"]) >= 8192 * 8192]
    achieved_tb_s = max(float(r["gb_per_s"]) for r in big) / 1e3
    assert achieved_tb_s <= acc.hbm_bandwidth_tb_s
    assert achieved_tb_s >= 0.7 * acc.hbm_bandwidth_tb_s
