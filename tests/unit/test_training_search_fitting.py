"""The search prices step times only for the configurations that fit: same answers as a full evaluation.

``search`` calls ``evaluate(..., only_fitting=True)``; the reference here is ``evaluate`` of every
configuration (``only_fitting=False``). Memory, ``fits``, micro-batches and FLOPs must be identical
for every configuration, the time arrays bit for bit identical where a configuration fits (NaN
elsewhere), and the best configuration the same, over dense, MoE, MLA, LoRA, fp8 and packed cases,
small and large device counts, including counts where nothing fits.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

import numpy as np
import pytest

from stackplan.catalog import get_accelerator, get_model
from stackplan.perf.search import search
from stackplan.perf.training import SOFTWARE_STACKS, StepArrays, evaluate

_ALL_CONFIG_FIELDS = {
    "weights_bytes",
    "grads_bytes",
    "optimizer_bytes",
    "activations_bytes",
    "other_bytes",
    "memory_bytes",
    "fits",
    "hardware_flops_per_step",
    "microbatches",
}

# (model, accelerator, count, seq_len, global batch [sequences], extra search options)
CASES: list[tuple[str, str, int, int, int, dict[str, Any]]] = [
    ("gpt3-175b", "a100-sxm-80gb", 1024, 2048, 1536, {}),
    ("llama-3.1-70b", "h100-sxm", 64, 8192, 512, {}),
    ("llama-3.1-405b", "h100-sxm", 16384, 8192, 2048, {}),
    ("llama-3.1-405b", "h100-sxm", 8, 8192, 64, {}),  # nothing fits
    ("llama-3.1-8b", "h100-sxm", 8, 4096, 256, {"precision": "fp8"}),
    ("mixtral-8x7b", "h100-sxm", 64, 4096, 512, {"stack": SOFTWARE_STACKS["megatron-core-2025"]}),
    ("deepseek-v3", "h800", 2048, 4096, 4096, {"stack": SOFTWARE_STACKS["deepseek-dualpipe"]}),
    ("deepseek-v2", "h100-sxm", 128, 4096, 1024, {"precision": "fp8"}),
    ("qwen3-235b-a22b", "mi300x", 256, 4096, 1024, {}),
    ("llama-3.1-70b", "h100-sxm", 16, 4096, 64, {"lora_rank": 16}),
    ("llama-3.1-70b", "a100-sxm-80gb", 8, 4096, 64, {"lora_rank": 8, "lora_targets": "qkv"}),
    ("llama-3.1-8b", "a100-sxm-80gb", 4, 8192, 32, {"lora_rank": 16, "document_tokens": 1024}),
    ("llama-2-7b", "a100-sxm-80gb", 1, 4096, 8, {}),
    ("llama-3.1-70b", "h100-sxm", 64, 8192, 512, {"tp": 8, "recompute": 0}),
    ("gpt3-175b", "a100-sxm-80gb", 64, 2048, 512, {"stack": SOFTWARE_STACKS["megatron-lm-2021"]}),
]

_FIXED_KEYS = {"tp", "pp", "dp", "cp", "ep", "v", "micro_batch", "recompute", "zero"}


def _reference(case: tuple[str, str, int, int, int, dict[str, Any]], res: Any) -> StepArrays:
    model_id, acc_id, _, seq, batch, opts = case
    eval_opts = {k: v for k, v in opts.items() if k not in _FIXED_KEYS}
    return evaluate(
        get_model(model_id).architecture,
        get_accelerator(acc_id),
        res.configs,
        seq_len=seq,
        global_batch_seqs=batch,
        **eval_opts,
    )


@pytest.mark.parametrize("case", CASES, ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_search_matches_full_evaluation(case: tuple[str, str, int, int, int, dict[str, Any]]) -> None:
    model_id, acc_id, count, seq, batch, opts = case
    res = search(
        get_model(model_id).architecture,
        get_accelerator(acc_id),
        count,
        seq_len=seq,
        global_batch_seqs=batch,
        **opts,
    )
    assert res.configs.size > 0
    ref = _reference(case, res)
    fits = ref.fits
    for f in fields(StepArrays):
        got, want = getattr(res.results, f.name), getattr(ref, f.name)
        if f.name == "model_flops_per_step":
            assert got == want
        elif f.name in _ALL_CONFIG_FIELDS:
            assert np.array_equal(got, want), f.name
        else:  # a time: bit-identical where it fits, not computed (NaN) elsewhere
            assert np.array_equal(got[fits], want[fits]), f.name
            assert np.isnan(got[~fits]).all(), f.name
    # the best configuration of a full evaluation
    score = np.where(ref.fits, ref.step_time_s, np.inf)
    expected = int(np.argmin(score)) if np.isfinite(score.min()) else None
    assert res.best == expected


def test_cases_cover_partial_fit_and_nothing_fits() -> None:
    """The cases above exercise the subset path (some fit) and the nothing-fits path."""
    shares = []
    for case in CASES:
        model_id, acc_id, count, seq, batch, opts = case
        res = search(
            get_model(model_id).architecture,
            get_accelerator(acc_id),
            count,
            seq_len=seq,
            global_batch_seqs=batch,
            **opts,
        )
        shares.append(float(res.results.fits.mean()))
    assert min(shares) == 0.0
    assert any(0.0 < s < 1.0 for s in shares)
