"""Search of the parallel configuration space: enumerate every feasible configuration, keep the fastest.

The space is the Cartesian product of tensor (TP), pipeline (PP), context (CP) and expert (EP)
parallelism, virtual pipeline stages, micro-batch size, activation recomputation and ZeRO stage;
data parallelism is what is left of the device count. It is built as numpy index arrays and
filtered with vectorised constraints; :func:`stackplan.perf.training.evaluate` then prices every
remaining configuration at once. No Python loop runs per configuration.

Constraints (Megatron-LM, Narayanan et al. 2021 sec. 3; Korthikanti et al. 2022):

* ``tp * pp * cp * dp = count``; ``heads % tp == 0`` and KV heads divide TP or TP divides them;
* ``pp <= layers``; interleaving (``v > 1``) needs ``pp v <= layers`` and ``m % pp == 0``; the
  layers need not divide evenly (Megatron-Core uneven first/last stages; Llama 3 405B drops a layer
  from the first and last stage, arXiv:2407.21783 sec. 3.3.2): the busiest stage is priced;
* global batch ``B`` divisible by ``dp * b`` (``m = B / (dp b)`` micro-batches);
* ``s % cp == 0`` with at least :data:`MIN_TOKENS_PER_CP_RANK` tokens per rank;
* ``experts % ep == 0`` and ``(dp cp) % ep == 0`` (expert parallelism is carved out of DP x CP);
* ZeRO stages above 0 only when the data-parallel group has more than one rank.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from stackplan.catalog.accelerators import Accelerator
from stackplan.models.architecture import ModelArchitecture
from stackplan.perf.training import Configs, LoraTargets, Precision, SoftwareStack, StepArrays, evaluate

__all__ = [
    "MAX_MICRO_BATCH",
    "MAX_VIRTUAL_STAGES",
    "MIN_TOKENS_PER_CP_RANK",
    "SearchResult",
    "enumerate_configs",
    "search",
    "search_space_size",
]

IntArray = NDArray[np.int64]

#: Largest micro-batch tried [sequences].
MAX_MICRO_BATCH = 64
#: Largest number of virtual pipeline stages per device tried [-].
MAX_VIRTUAL_STAGES = 12
#: Fewest tokens a context-parallel rank may hold [tokens] (ring attention needs long chunks to
#: hide the KV exchange; Liu et al. 2023, "Ring Attention", sec. 3).
MIN_TOKENS_PER_CP_RANK = 512
#: Largest context parallelism tried [-].
MAX_CP = 32


@dataclass(frozen=True, kw_only=True)
class SearchResult:
    """The configurations searched, their results, and the index of the fastest that fits."""

    configs: Configs
    results: StepArrays
    best: int | None

    @property
    def configurations_evaluated(self) -> int:
        """Feasible configurations priced [-]."""
        return self.configs.size


def _divisors(n: int) -> list[int]:
    return [k for k in range(1, n + 1) if n % k == 0]


def _candidates(fixed: int | None, pool: list[int]) -> IntArray:
    return np.array([fixed] if fixed is not None else pool, dtype=np.int64)


def _axes(
    model: ModelArchitecture,
    count: int,
    *,
    seq_len: int,
    global_batch_seqs: int,
    tp: int | None,
    pp: int | None,
    cp: int | None,
    ep: int | None,
    v: int | None,
    micro_batch: int | None,
    recompute: int | None,
    zero: int | None,
) -> list[IntArray]:
    """Candidate values of each searched dimension (tp, pp, cp, ep, v, b, recompute, ZeRO)."""
    divs = _divisors(count)
    kv = model.kv_heads
    tp_pool = [t for t in divs if model.heads % t == 0 and (kv % t == 0 or t % kv == 0)]
    pp_pool = [p for p in divs if p <= model.layers]
    cp_pool = [
        c
        for c in (1, 2, 4, 8, 16, MAX_CP)
        if count % c == 0 and seq_len % c == 0 and seq_len // c >= MIN_TOKENS_PER_CP_RANK
    ] or [1]
    experts = model.moe.experts if model.moe is not None else 1
    ep_pool = [e for e in _divisors(experts) if count % e == 0]
    v_pool = list(range(1, MAX_VIRTUAL_STAGES + 1))
    b_pool = [2**i for i in range(7) if 2**i <= min(MAX_MICRO_BATCH, global_batch_seqs)]
    return [
        _candidates(tp, tp_pool),
        _candidates(pp, pp_pool),
        _candidates(cp, cp_pool),
        _candidates(ep, ep_pool),
        _candidates(v, v_pool),
        _candidates(micro_batch, b_pool),
        _candidates(recompute, [0, 1, 3]),  # block (3) dominates full (2): same when all layers are needed
        _candidates(zero, [0, 1, 2, 3]),
    ]


def search_space_size(model: ModelArchitecture, count: int, *, seq_len: int, global_batch_seqs: int) -> int:
    """Configurations in the full Cartesian product before the feasibility filters [-]."""
    axes = _axes(
        model,
        count,
        seq_len=seq_len,
        global_batch_seqs=global_batch_seqs,
        tp=None,
        pp=None,
        cp=None,
        ep=None,
        v=None,
        micro_batch=None,
        recompute=None,
        zero=None,
    )
    return int(np.prod([a.size for a in axes]))


def enumerate_configs(
    model: ModelArchitecture,
    count: int,
    *,
    seq_len: int,
    global_batch_seqs: int,
    tp: int | None = None,
    pp: int | None = None,
    dp: int | None = None,
    cp: int | None = None,
    ep: int | None = None,
    v: int | None = None,
    micro_batch: int | None = None,
    recompute: int | None = None,
    zero: int | None = None,
    sequence_parallel: bool = True,
) -> Configs:
    """All feasible configurations for ``count`` devices; given values are held fixed.

    Returns a :class:`Configs` whose arrays hold one element per feasible configuration (possibly
    none). Constraints in the module docstring.
    """
    axes = _axes(
        model,
        count,
        seq_len=seq_len,
        global_batch_seqs=global_batch_seqs,
        tp=tp,
        pp=pp,
        cp=cp,
        ep=ep,
        v=v,
        micro_batch=micro_batch,
        recompute=recompute,
        zero=zero,
    )
    # Expand the grid one axis at a time in the order (tp, pp, cp) -> ep -> v -> b -> recompute ->
    # ZeRO, dropping what is infeasible at each stage: the same configurations in the same
    # (row-major) order as filtering the full Cartesian product, at a fraction of the work.
    t0, p0, c0 = (g.ravel() for g in np.meshgrid(*axes[:3], indexing="ij", copy=False))
    keep = count % (t0 * p0 * c0) == 0
    t_, p_, c_ = t0[keep], p0[keep], c0[keep]
    d_ = count // (t_ * p_ * c_)
    keep = global_batch_seqs % d_ == 0
    if dp is not None:
        keep &= d_ == dp
    cols: dict[str, IntArray] = {"t": t_[keep], "p": p_[keep], "c": c_[keep], "d": d_[keep]}

    def expand(name: str, values: IntArray, mask: NDArray[np.bool_]) -> None:
        """Add axis ``name`` (``values``) to the rows in ``cols``, keeping ``mask`` (rows x values)."""
        rows, col = np.nonzero(mask)  # row-major: the order of the full grid
        for key in cols:
            cols[key] = cols[key][rows]
        cols[name] = values[col]

    def row(key: str) -> IntArray:
        return cols[key][:, None]

    e_ax, v_ax, b_ax, r_ax, z_ax = axes[3:]
    dc = row("d") * row("c")
    expand("e", e_ax, (dc % e_ax == 0) & (e_ax <= dc))
    p = row("p")
    expand("v", v_ax, (v_ax == 1) | ((p > 1) & (p * v_ax <= model.layers)))
    per_replica = global_batch_seqs // row("d")
    fits_b = (per_replica % b_ax == 0) & (per_replica >= b_ax)
    m = per_replica // b_ax
    expand("b", b_ax, fits_b & ((row("v") == 1) | (m % row("p") == 0)))
    expand("r", r_ax, np.ones((cols["t"].size, r_ax.size), dtype=bool))
    expand("z", z_ax, (z_ax == 0) | (row("d") * row("c") > 1))
    sp = (cols["t"] > 1) & sequence_parallel
    return Configs(
        tp=cols["t"],
        pp=cols["p"],
        dp=cols["d"],
        cp=cols["c"],
        ep=cols["e"],
        v=cols["v"],
        b=cols["b"],
        rc=cols["r"],
        zero=cols["z"],
        sp=sp.astype(np.int64),
    )


def search(
    model: ModelArchitecture,
    accelerator: Accelerator,
    count: int,
    *,
    seq_len: int,
    global_batch_seqs: int,
    precision: Precision = "bf16",
    stack: SoftwareStack | None = None,
    lora_rank: int = 0,
    lora_targets: LoraTargets = "all",
    document_tokens: int | None = None,
    **fixed: int | bool | None,
) -> SearchResult:
    """Enumerate (:func:`enumerate_configs`), evaluate all at once, pick the fastest that fits.

    The step time is priced only for the configurations that fit (``only_fitting`` of
    :func:`~stackplan.perf.training.evaluate`): ``results`` holds memory for every configuration and
    NaN times where one does not fit.

    ``fixed`` takes the keyword arguments of :func:`enumerate_configs` (``tp``, ``pp``, ...);
    ``None`` means "search this dimension". ``best`` is ``None`` when nothing fits. ``lora_rank``,
    ``lora_targets`` and ``document_tokens`` as in :func:`~stackplan.perf.training.evaluate`.
    """
    configs = enumerate_configs(
        model,
        count,
        seq_len=seq_len,
        global_batch_seqs=global_batch_seqs,
        **fixed,  # type: ignore[arg-type]
    )
    results = evaluate(
        model,
        accelerator,
        configs,
        seq_len=seq_len,
        global_batch_seqs=global_batch_seqs,
        precision=precision,
        stack=stack,
        lora_rank=lora_rank,
        lora_targets=lora_targets,
        document_tokens=document_tokens,
        only_fitting=True,
    )
    best: int | None = None
    if configs.size:
        score = np.where(results.fits, results.step_time_s, np.inf)
        i = int(np.argmin(score))
        best = i if np.isfinite(score[i]) else None
    return SearchResult(configs=configs, results=results, best=best)
