"""How many of a fixed-concurrency row's clients are inside the engine, by Little's law.

Diagnosis behind "Requests outside the engine" in ``docs/inference-model.md``. A closed loop of
``c`` clients completes ``X = c / (TTFT + (O - 1) TPOT)`` requests per second (the measured
latencies). A request is inside the engine for its prefill and its decode, about
``t1 + (O - 1) TPOT`` (``t1`` the model's TTFT of a lone request at the row's parallelism and input,
TPOT measured), so ``N = X (t1 + (O - 1) TPOT)`` requests are in it on average and ``c - N`` wait
in front of it (client, HTTP server, tokeniser or the engine's queue). Printed per framework,
model, TP and concurrency: the median ``c - N``, the completed requests per second and the
streamed output tokens per second ``X O``. Changes nothing; read-only::

    .venv/bin/python tools/ttft_inflight.py
"""

from __future__ import annotations

import statistics
from collections import defaultdict

import stackplan.validation.inference as vi
from stackplan.errors import StackplanError


def main() -> None:
    groups: dict[tuple[str, str, int, int], list[tuple[float, float, float]]] = defaultdict(list)
    lone: dict[tuple[str, ...], float] = {}
    for r in vi._read("serving_latency_h100.csv"):
        c, out = int(r["batch_size"]), int(r["output_tokens"])
        ttft, tpot = float(r["ttft_ms"]) / 1e3, float(r["tpot_ms"]) / 1e3
        key = tuple(
            r[f]
            for f in (
                "framework",
                "framework_version",
                "model",
                "precision",
                "tp",
                "ep",
                "pp",
                "input_tokens",
            )
        )
        if key not in lone:
            try:
                kw = vi.latency_row_setup(r)
                lone[key] = vi._predict_row(r, batch_size=1, **kw).ttft_ms / 1e3
            except StackplanError:
                continue
        rate = c / (ttft + (out - 1) * tpot)
        inside = rate * (lone[key] + (out - 1) * tpot)
        groups[(r["framework"], r["model"], int(r["tp"]), c)].append((c - inside, rate, rate * out))

    print("framework model            TP    c  outside the engine (median, max)  requests/s  output tokens/s")
    for (fw, model, tp, c), v in sorted(groups.items()):
        outside = [x for x, _, _ in v]
        print(
            f"{fw:9s} {model:16s} {tp:3d} {c:4d}  {statistics.median(outside):7.1f} {max(outside):7.1f}"
            f"  {statistics.median(x for _, x, _ in v):24.1f}  {statistics.median(x for _, _, x in v):14.0f}"
        )


if __name__ == "__main__":
    main()
