"""The sizing side's cheaper training search chooses what a full search at every count chooses."""

from __future__ import annotations

import math

import pytest

from stackplan.catalog import get_accelerator
from stackplan.perf.prediction import predict_training
from stackplan.sizing.compute import _tp_candidates, _train_run

SECONDS_PER_DAY = 86_400.0


def _reference(model: str, acc: str, tokens: float, seq_len: int, deadline_days: float) -> tuple[int, float]:
    """The smallest power-of-two multiple of the server size whose full (unrestricted) search meets
    the deadline, by brute force over the counts, and its accelerator-hours."""
    step = min(get_accelerator(acc).scaleup_domain_size, 8)
    count = step
    while True:
        pred = predict_training(model, acc, count, tokens=tokens, seq_len=seq_len, precision="bf16")
        if (pred.wall_clock_days or math.inf) <= deadline_days:
            return count, float(pred.accelerator_hours or 0.0)
        count *= 2


@pytest.mark.parametrize("deadline_days", [2.0, 0.5])
def test_sized_count_equals_full_search(deadline_days: float) -> None:
    # llama-3.1-8b, 2e9 tokens: a small search; the tight deadline needs more than the first guess
    ref_count, ref_hours = _reference("llama-3.1-8b", "h100-sxm", 2.0e9, 4096, deadline_days)
    run = _train_run("llama-3.1-8b", "h100-sxm", 2.0e9, 4096, "bf16", deadline_days)
    # equal, or within one server (8 devices) of the full search
    assert abs(run.devices - ref_count) <= 8
    assert run.accelerator_hours == pytest.approx(ref_hours, rel=0.05)


def test_tensor_parallel_stays_in_the_scale_up_domain() -> None:
    # h100-sxm: 8 GPUs per NVLink domain; llama-3.1-8b has 32 heads, 8 KV heads
    assert _tp_candidates("llama-3.1-8b", "h100-sxm", 64) == [1, 2, 4, 8]
    assert _tp_candidates("llama-3.1-8b", "h100-sxm", 4) == [1, 2, 4]
