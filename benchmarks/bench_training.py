"""Speed of the training search: configurations evaluated per second and the GPT-3 175B full search.

Prints, for a few cases, the size of the full search space (Cartesian product of TP, PP, CP, EP,
virtual stages, micro-batch, recompute and ZeRO before the feasibility filters), the feasible
configurations evaluated, the wall time and the rate. Run: ``python benchmarks/bench_training.py``.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # one core, as the target is stated per core
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

import time

from stackplan.catalog import get_accelerator, get_model
from stackplan.perf.search import search, search_space_size

CASES = [
    # (label, model, accelerator, count, seq_len, global batch [sequences])
    ("GPT-3 175B on 1,024 A100 (full search)", "gpt3-175b", "a100-sxm-80gb", 1024, 2048, 1536),
    ("Llama 3.1 70B on 1,024 H100", "llama-3.1-70b", "h100-sxm", 1024, 8192, 2048),
    ("Llama 3.1 405B on 16,384 H100", "llama-3.1-405b", "h100-sxm", 16384, 8192, 2048),
]
REPEATS = 5


def main() -> None:
    print(f"{'case':42s} {'space':>10s} {'evaluated':>10s} {'best [s]':>9s} {'configs/s':>11s}")
    for label, model_id, acc_id, count, seq, batch in CASES:
        model = get_model(model_id).architecture
        acc = get_accelerator(acc_id)
        space = search_space_size(model, count, seq_len=seq, global_batch_seqs=batch)
        times = []
        evaluated = 0
        for _ in range(REPEATS):
            start = time.perf_counter()
            res = search(model, acc, count, seq_len=seq, global_batch_seqs=batch)
            times.append(time.perf_counter() - start)
            evaluated = res.configurations_evaluated
        best = min(times)
        print(f"{label:42s} {space:>10,d} {evaluated:>10,d} {best:>9.3f} {evaluated / best:>11,.0f}")


if __name__ == "__main__":
    main()
