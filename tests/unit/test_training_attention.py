"""The measured attention curve in the step model against the kernel-sweep files it came from."""

from __future__ import annotations

import statistics

import pytest

from stackplan.catalog._files import read_table
from stackplan.catalog.accelerators import get_accelerator
from stackplan.perf.training import (
    KERNEL_SWEEP_MATMUL_EFFICIENCY,
    MEASURED_ATTENTION_TFLOPS,
    flash_attention_relative_efficiency,
)


@pytest.mark.parametrize("chip", ["h100-sxm", "h200"])
def test_attention_constants_are_the_means_of_the_measured_files(chip: str) -> None:
    table = read_table(f"kernels/{chip}_attention.csv", required=("seq",), package="stackplan.validation")
    for seq, tflops in MEASURED_ATTENTION_TFLOPS[chip].items():
        rows = [float(r["fwd_bwd_tflops_causal"]) for r in table.rows if int(r["seq"]) == seq]
        assert len(rows) == 3
        assert tflops == pytest.approx(statistics.fmean(rows), abs=0.06)


def test_relative_efficiency_by_hand() -> None:
    h100 = get_accelerator("h100-sxm")
    # 4096 tokens: 432.4 TFLOP/s over 989 x 0.71 = 702.2 TFLOP/s
    assert flash_attention_relative_efficiency(h100, 4096) == pytest.approx(432.4 / (989 * 0.71), rel=1e-9)
    # halfway (in log2) between 4k and 8k
    mid = (432.4 + 495.2) / 2 / (989 * KERNEL_SWEEP_MATMUL_EFFICIENCY["h100-sxm"])
    assert flash_attention_relative_efficiency(h100, 4096 * 2**0.5) == pytest.approx(mid, rel=1e-9)
    # held constant outside the measured range
    assert flash_attention_relative_efficiency(h100, 131072) == flash_attention_relative_efficiency(
        h100, 8192
    )
    # chips without a sweep use the H100 curve
    assert flash_attention_relative_efficiency(get_accelerator("b200"), 4096) == pytest.approx(
        flash_attention_relative_efficiency(h100, 4096)
    )
