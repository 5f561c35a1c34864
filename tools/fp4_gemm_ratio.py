"""NVFP4 / FP8 GEMM efficiency ratio on B200 from AIConfigurator's TensorRT-LLM GEMM sweep.

Derives the factor ``inference_efficiency.csv`` applies to the Blackwell fp8 matmul efficiency to
get the fp4 one: the median, over GEMM shapes measured at both precisions (``M >= 1024``; ``N`` and
``K`` between 4,096 and 16,384, the transformer projections of 8B-405B models under TP), of
``efficiency_fp4 / efficiency_fp8`` where efficiency is achieved FLOP/s over the dense peak
(9,000 and 4,500 TFLOP/s). Both paths quantise their activations in the measured call, so the
ratio compares the GEMM kernels.

Needs pandas and pyarrow (a scratch environment; not a project dependency) and the sweep file::

    git -C <aiconfigurator checkout> show 095f58a:aic-core/src/aiconfigurator_core/systems/data/\
b200_sxm/gemm/trtllm/1.3.0rc20/gemm_perf.parquet > gemm_perf.parquet
    python tools/fp4_gemm_ratio.py gemm_perf.parquet
"""

from __future__ import annotations

import sys

import pandas as pd

PEAK_TFLOPS = {"nvfp4": 9000.0, "fp8": 4500.0, "bfloat16": 2250.0}
M_BANDS = ((1024, 2048), (2048, 4096), (4096, 1 << 20), (1024, 1 << 20))


def ratios(path: str) -> dict[tuple[int, int], tuple[int, float]]:
    d = pd.read_parquet(path)
    d = d[
        (d.kernel_source == "torch_flow")
        & d.n.between(4096, 16384)
        & d.k.between(4096, 16384)
        & d.gemm_dtype.isin(PEAK_TFLOPS)
    ].copy()
    d["eff"] = 2.0 * d.m * d.n * d.k / (d.latency * 1e-3) / 1e12 / d.gemm_dtype.map(PEAK_TFLOPS)
    p = d.pivot_table(index=["m", "n", "k"], columns="gemm_dtype", values="eff", aggfunc="median")
    p = p.dropna(subset=["nvfp4", "fp8"])
    m = p.index.get_level_values("m")
    out = {}
    for lo, hi in M_BANDS:
        sel = p[(m >= lo) & (m < hi)]
        out[(lo, hi)] = (len(sel), float((sel["nvfp4"] / sel["fp8"]).median()))
    return out


if __name__ == "__main__":
    for (lo, hi), (n, r) in ratios(sys.argv[1]).items():
        print(f"M in [{lo}, {hi}): {n} shapes, median fp4/fp8 efficiency ratio {r:.3f}")
