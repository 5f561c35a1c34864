"""What the in-sample TTFT measurements leave once the model's first-wave term is counted.

Diagnosis behind "What the fixed-concurrency rows show besides" in ``docs/inference-model.md``.
The validation averages each row's predicted TTFT as one cold-start wave in
``BENCHMARK_REQUESTS_PER_SLOT`` requests per client (``(burst + 9 steady) / 10``); this prints the
rest, ``(measured - predicted) / t1`` with ``t1`` the model's TTFT of a lone request at the row's
parallelism and input length, by framework, model and concurrency band, and for vLLM Qwen3-32B the
same rest in milliseconds by TP and input length. Changes nothing; read-only::

    .venv/bin/python tools/ttft_residuals.py
"""

from __future__ import annotations

import statistics
from collections import defaultdict

import stackplan.validation.inference as vi
from stackplan.errors import StackplanError


def _band(concurrency: int) -> str:
    if concurrency <= 16:
        return "c<=16"
    return "c32-64" if concurrency <= 64 else "c>=128"


def main() -> None:
    by_band: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    by_shape: dict[tuple[str, str], list[tuple[float, float]]] = defaultdict(list)
    for r in vi._read("serving_latency_h100.csv"):
        kw = vi.latency_row_setup(r)
        try:
            p = vi._predict_row(r, batch_size=int(r["batch_size"]), **kw)
            lone = vi._predict_row(r, batch_size=1, **kw)
        except StackplanError:
            continue
        t1 = lone.ttft_ms
        rest = float(r["ttft_ms"]) - vi.benchmark_mean_ttft_ms(p)
        by_band[(r["framework"], r["model"], _band(int(r["batch_size"])))].append(rest / t1)
        if r["framework"] == "vllm" and r["model"] == "qwen3-32b":
            by_shape[(r["tp"], r["input_tokens"])].append((rest, t1))

    print("(measured - model) / t1, median [quartiles], by framework, model and concurrency")
    for (fw, model, band), v in sorted(by_band.items()):
        q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
        print(
            f"  {fw:7s} {model:16s} {band:7s} n={len(v):3d} {statistics.median(v):+6.2f} [{q[0]:+.2f}, {q[2]:+.2f}]"
        )
    print("vLLM Qwen3-32B: the rest in ms by TP and input length (median), and t1")
    for (tp, inp), pairs in sorted(by_shape.items(), key=lambda kv: (int(kv[0][1]), int(kv[0][0]))):
        rest_ms = statistics.median(x for x, _ in pairs)
        print(
            f"  TP{tp} {inp:>5s} tokens n={len(pairs):2d} rest {rest_ms:+7.0f} ms  t1 {pairs[0][1]:6.0f} ms"
        )


if __name__ == "__main__":
    main()
