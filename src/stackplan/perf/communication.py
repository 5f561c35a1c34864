"""Collective-communication times: ring all-reduce, reduce-scatter, all-gather, all-to-all, point-to-point.

Pure, vectorised functions: every argument may be a numpy array (one element per configuration)
or a scalar, and the result broadcasts. Times follow the alpha-beta model of Thakur, Rabenseifner
and Gropp (2005), "Optimization of Collective Communication Operations in MPICH", IJHPCA 19(1):

* all-reduce (ring): ``t = 2 (n-1)/n * X / B + 2 (n-1) * alpha`` (double binary tree latency
  ``2 log2(n) alpha`` beyond 8 ranks, as NCCL)
* reduce-scatter, all-gather (ring): ``t = (n-1)/n * X / B + (n-1) * alpha``
* all-to-all (pairwise): ``t = (n-1)/n * X / B + (n-1) * alpha``
* point-to-point: ``t = X / B + alpha``

where ``X`` is the size of the full buffer on one device [B], ``n`` the group size, ``B`` the
achievable bandwidth per device in one direction [B/s] and ``alpha`` the per-step latency [s].

A group uses the scale-up interconnect (NVLink, ICI, XGMI, NeuronLink) when all its members sit in
one scale-up domain, and the scale-out network (InfiniBand, RoCE, EFA) otherwise. Ranks are laid
out as Megatron-LM does: tensor-parallel innermost, then context, expert/data, pipeline outermost
(Narayanan et al. 2021, sec. 3.3), so a group of ``n`` ranks whose members are ``stride`` ranks apart
spans ``n * stride`` consecutive ranks.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = [
    "SCALEOUT_BANDWIDTH_EFFICIENCY",
    "SCALEOUT_LATENCY_S",
    "SCALEUP_BANDWIDTH_EFFICIENCY",
    "SCALEUP_LATENCY_S",
    "all_gather_time_s",
    "all_reduce_time_s",
    "all_to_all_time_s",
    "group_bandwidth_bytes_per_s",
    "group_latency_s",
    "p2p_time_s",
    "reduce_scatter_time_s",
]

FloatArray = NDArray[np.float64]

#: Achievable fraction of the scale-up link bandwidth for large collectives [-]. NCCL's all-reduce
#: bus bandwidth on 8x H100 NVLink 4 reaches about 360-370 of 450 GB/s and on 8x A100 about 230-240
#: of 300 GB/s (nccl-tests results quoted in stas00/ml-engineering, Network chapter).
SCALEUP_BANDWIDTH_EFFICIENCY = 0.78

#: Achievable fraction of the scale-out NIC bandwidth for large collectives [-]. InfiniBand NDR/HDR
#: all-reduce bus bandwidth across nodes reaches 85-90% of line rate (nccl-tests; NVIDIA DGX
#: SuperPOD reference architecture).
SCALEOUT_BANDWIDTH_EFFICIENCY = 0.85

#: Latency per ring step inside a scale-up domain [s] (NVLink hop plus NCCL kernel step, about
#: 5-10 us for small messages in nccl-tests).
SCALEUP_LATENCY_S = 8e-6

#: Latency per step across the scale-out network [s] (InfiniBand switch hops plus NCCL proxy,
#: 15-25 us in nccl-tests across nodes).
SCALEOUT_LATENCY_S = 20e-6


def group_bandwidth_bytes_per_s(
    group_size: ArrayLike,
    stride: ArrayLike,
    *,
    domain_size: int,
    scaleup_gb_s: float,
    scaleout_gb_s: float,
) -> FloatArray:
    """Achievable bandwidth per device of a communication group [B/s].

    ``group_size * stride <= domain_size`` means the whole group is inside one scale-up domain:
    scale-up bandwidth times :data:`SCALEUP_BANDWIDTH_EFFICIENCY`. Otherwise the collective
    crosses the scale-out network. With ``k = max(1, domain_size / stride)`` members of the group
    in each domain, NCCL runs ``k`` rings (channels) whose domain-crossing hops use different NICs,
    so each member sees ``k`` NICs' worth of bandwidth, capped by the scale-up link:
    ``min(k * B_out * eff_out, B_up * eff_up)`` (this is why all-reduce bus bandwidth across DGX
    nodes approaches the node's aggregate NIC bandwidth per GPU; NVIDIA nccl-tests
    PERFORMANCE.md, "bus bandwidth").

    Parameters
    ----------
    group_size
        Ranks in the group [-].
    stride
        Distance between consecutive members in the rank layout [-] (product of the inner
        parallel dimensions).
    domain_size
        Devices per scale-up domain [-].
    scaleup_gb_s, scaleout_gb_s
        Per-device bandwidths, one direction [GB/s].
    """
    n = np.asarray(group_size, dtype=np.float64)
    st = np.asarray(stride, dtype=np.float64)
    inside = n * st <= domain_size
    up = scaleup_gb_s * 1e9 * SCALEUP_BANDWIDTH_EFFICIENCY
    per_domain = np.clip(domain_size / st, 1.0, n)
    out = np.minimum(per_domain * scaleout_gb_s * 1e9 * SCALEOUT_BANDWIDTH_EFFICIENCY, up)
    result: FloatArray = np.where(inside, up, out)
    return result


def group_latency_s(group_size: ArrayLike, stride: ArrayLike, *, domain_size: int) -> FloatArray:
    """Per-step latency of a group [s]: scale-up or scale-out, as :func:`group_bandwidth_bytes_per_s`."""
    span = np.asarray(group_size, dtype=np.float64) * np.asarray(stride, dtype=np.float64)
    return np.where(span <= domain_size, SCALEUP_LATENCY_S, SCALEOUT_LATENCY_S)


def _ring_steps(n: FloatArray) -> FloatArray:
    # A ring collective (reduce-scatter, all-gather, all-to-all) takes n-1 steps (Thakur et al.
    # 2005, sec. 4); NCCL has no tree variant for them.
    return n - 1.0


def _allreduce_steps(n: FloatArray) -> FloatArray:
    # All-reduce: a ring of n-1 + n-1 steps up to 8 ranks; beyond that NCCL switches to a double
    # binary tree whose latency grows with 2 log2(n) (Sanders et al. 2009; NCCL 2.4 release notes).
    return np.where(n <= 8, 2.0 * (n - 1.0), 2.0 * np.log2(np.maximum(n, 1.0)))


def all_reduce_time_s(
    bytes_per_device: ArrayLike, group_size: ArrayLike, bandwidth_bytes_per_s: ArrayLike, latency_s: ArrayLike
) -> FloatArray:
    """All-reduce time [s]: ``2 (n-1)/n * X / B + steps * alpha`` (ring up to 8 ranks, tree beyond; 0 when ``n = 1``)."""
    n = np.asarray(group_size, dtype=np.float64)
    x = np.asarray(bytes_per_device, dtype=np.float64)
    bw = np.asarray(bandwidth_bytes_per_s, dtype=np.float64)
    t = 2.0 * (n - 1.0) / n * x / bw + _allreduce_steps(n) * np.asarray(latency_s, dtype=np.float64)
    return np.where(n > 1, t, 0.0)


def reduce_scatter_time_s(
    bytes_per_device: ArrayLike, group_size: ArrayLike, bandwidth_bytes_per_s: ArrayLike, latency_s: ArrayLike
) -> FloatArray:
    """Ring reduce-scatter time [s]: ``(n-1)/n * X / B + (n-1) alpha``; ``X`` is the full (unsharded) buffer."""
    n = np.asarray(group_size, dtype=np.float64)
    x = np.asarray(bytes_per_device, dtype=np.float64)
    t = (n - 1.0) / n * x / np.asarray(bandwidth_bytes_per_s, dtype=np.float64) + _ring_steps(n) * np.asarray(
        latency_s, dtype=np.float64
    )
    return np.where(n > 1, t, 0.0)


def all_gather_time_s(
    bytes_per_device: ArrayLike, group_size: ArrayLike, bandwidth_bytes_per_s: ArrayLike, latency_s: ArrayLike
) -> FloatArray:
    """Ring all-gather time [s]; the same volume as :func:`reduce_scatter_time_s` (``X`` = gathered size)."""
    return reduce_scatter_time_s(bytes_per_device, group_size, bandwidth_bytes_per_s, latency_s)


def all_to_all_time_s(
    bytes_per_device: ArrayLike, group_size: ArrayLike, bandwidth_bytes_per_s: ArrayLike, latency_s: ArrayLike
) -> FloatArray:
    """All-to-all time [s]: each device keeps ``X/n`` and sends ``(n-1)/n * X``; pairwise exchange."""
    return reduce_scatter_time_s(bytes_per_device, group_size, bandwidth_bytes_per_s, latency_s)


def p2p_time_s(bytes_: ArrayLike, bandwidth_bytes_per_s: ArrayLike, latency_s: ArrayLike) -> FloatArray:
    """Point-to-point send time [s]: ``X / B + alpha``."""
    out: FloatArray = np.asarray(bytes_, dtype=np.float64) / np.asarray(
        bandwidth_bytes_per_s, dtype=np.float64
    ) + np.asarray(latency_s, dtype=np.float64)
    return out
