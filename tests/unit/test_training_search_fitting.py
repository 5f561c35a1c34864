"""The faster search gives the same answers as the plain full evaluation of the full grid.

``enumerate_configs`` expands the grid axis by axis, dropping what is infeasible at each stage; the
reference here filters the whole Cartesian product at once (the earlier implementation, kept in
this test): same configurations in the same order.

``search`` calls ``evaluate(..., only_fitting=True)``, which also prices each distinct GEMM shape
once; the reference here is ``evaluate`` of every configuration (``only_fitting=False``) with the
GEMMs priced per configuration. Memory, ``fits``, micro-batches and FLOPs must be identical
for every configuration, the time arrays bit for bit identical where a configuration fits (NaN
elsewhere), and the best configuration the same, over dense, MoE, MLA, LoRA, fp8 and packed cases,
small and large device counts, including counts where nothing fits.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator
from dataclasses import fields
from typing import Any

import numpy as np
import pytest

from stackplan.catalog import get_accelerator, get_model
from stackplan.models.architecture import ModelArchitecture
from stackplan.perf import training
from stackplan.perf.search import SearchResult, _axes, enumerate_configs, search
from stackplan.perf.training import SOFTWARE_STACKS, Configs, StepArrays, evaluate

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


def _reference(
    case: tuple[str, str, int, int, int, dict[str, Any]], res: SearchResult, monkeypatch: pytest.MonkeyPatch
) -> StepArrays:
    """Every configuration priced in full, each GEMM priced per configuration (no shape dedup)."""
    model_id, acc_id, _, seq, batch, opts = case
    eval_opts = {k: v for k, v in opts.items() if k not in _FIXED_KEYS}
    monkeypatch.setattr(training, "_distinct_shapes", lambda configs, keep: None)
    return evaluate(
        get_model(model_id).architecture,
        get_accelerator(acc_id),
        res.configs,
        seq_len=seq,
        global_batch_seqs=batch,
        **eval_opts,
    )


@functools.cache
def _search(i: int) -> SearchResult:
    model_id, acc_id, count, seq, batch, opts = CASES[i]
    return search(
        get_model(model_id).architecture,
        get_accelerator(acc_id),
        count,
        seq_len=seq,
        global_batch_seqs=batch,
        **opts,
    )


@pytest.fixture(autouse=True, scope="module")
def _release_searches() -> Iterator[None]:
    """Drop the cached search results (tens of MB) when this module's tests are done."""
    yield
    _search.cache_clear()


@pytest.mark.parametrize("i", range(len(CASES)), ids=[f"{c[0]}-{c[1]}-{c[2]}" for c in CASES])
def test_search_matches_full_evaluation(i: int, monkeypatch: pytest.MonkeyPatch) -> None:
    case = CASES[i]
    res = _search(i)
    assert res.configs.size > 0
    ref = _reference(case, res, monkeypatch)
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
    shares = [float(_search(i).results.fits.mean()) for i in range(len(CASES))]
    assert min(shares) == 0.0
    assert any(0.0 < s < 1.0 for s in shares)


def _enumerate_full_grid(
    model: ModelArchitecture, count: int, *, seq_len: int, global_batch_seqs: int, **fixed: Any
) -> Configs:
    """Reference: every point of the Cartesian product, then the feasibility filters at once."""
    dp = fixed.pop("dp", None)
    names = ("tp", "pp", "cp", "ep", "v", "micro_batch", "recompute", "zero")
    axes = _axes(
        model,
        count,
        seq_len=seq_len,
        global_batch_seqs=global_batch_seqs,
        **{n: fixed.get(n) for n in names},
    )
    t, p, c, e, v, b, r, z = (g.ravel() for g in np.meshgrid(*axes, indexing="ij"))
    mp = t * p * c
    ok = count % mp == 0
    d = np.where(ok, count // mp, 0)
    if dp is not None:
        ok &= d == dp
    ok &= d > 0
    per_replica = np.where(d > 0, global_batch_seqs // np.maximum(d, 1), 0)
    ok &= (global_batch_seqs % np.maximum(d, 1) == 0) & (per_replica % b == 0) & (per_replica >= b)
    m = np.where(ok, per_replica // b, 0)
    ok &= (v == 1) | ((p > 1) & (p * v <= model.layers) & (m % p == 0))
    ok &= ((d * c) % e == 0) & (e <= d * c)
    ok &= (z == 0) | (d * c > 1)
    i = np.flatnonzero(ok)
    return Configs(
        tp=t[i],
        pp=p[i],
        dp=d[i],
        cp=c[i],
        ep=e[i],
        v=v[i],
        b=b[i],
        rc=r[i],
        zero=z[i],
        sp=(t[i] > 1).astype(np.int64),
    )


ENUM_CASES: list[tuple[str, int, int, int, dict[str, Any]]] = [
    ("gpt3-175b", 1024, 2048, 1536, {}),
    ("llama-3.1-405b", 16384, 8192, 2048, {}),
    ("llama-3.1-70b", 96, 8192, 480, {}),
    ("deepseek-v3", 2048, 4096, 4096, {}),
    ("mixtral-8x7b", 64, 32768, 512, {"cp": 4}),
    ("qwen3-235b-a22b", 256, 4096, 1024, {"dp": 8}),
    ("llama-3.1-70b", 64, 8192, 512, {"tp": 8, "pp": 4, "recompute": 1, "zero": 1}),
    ("llama-3.1-70b", 64, 8192, 512, {"v": 2, "micro_batch": 1}),
    ("llama-3.1-70b", 64, 8192, 512, {"tp": 3}),  # infeasible fixed value: nothing
    ("llama-3.1-70b", 64, 8192, 100, {}),  # a batch few data-parallel sizes divide
    ("llama-2-7b", 1, 4096, 8, {}),
    ("llama-3.2-1b", 12, 2048, 36, {}),
]


@pytest.mark.parametrize("case", ENUM_CASES, ids=[f"{c[0]}-{c[1]}-{c[4]}" for c in ENUM_CASES])
def test_enumerate_matches_full_grid(case: tuple[str, int, int, int, dict[str, Any]]) -> None:
    model_id, count, seq, batch, fixed = case
    model = get_model(model_id).architecture
    got = enumerate_configs(model, count, seq_len=seq, global_batch_seqs=batch, **fixed)
    want = _enumerate_full_grid(model, count, seq_len=seq, global_batch_seqs=batch, **fixed)
    for f in fields(Configs):
        a, b = getattr(got, f.name), getattr(want, f.name)
        assert a.dtype == np.int64, f.name
        assert np.array_equal(a, b), f.name
