"""Where a replica's collectives run when it spans more than one scale-up domain.

Hand-worked values: a B200 HGX node is a domain of 8 GPUs with 900 GB/s of NVLink per GPU and
50 GB/s (400 Gb/s) of scale-out per GPU, both at the 0.8 link efficiency.
"""

from __future__ import annotations

import pytest

from stackplan.catalog import get_accelerator
from stackplan.catalog.serving import get_inference_efficiency, get_serving_framework
from stackplan.perf.inference_model import DeviceRates
from stackplan.perf.inference_setup import (
    COLLECTIVE_LATENCY_S,
    LINK_EFFICIENCY,
    Parallelism,
    _alltoall_rates,
    device_rates,
)


def _rates(par: Parallelism) -> DeviceRates:
    acc = get_accelerator("b200")
    return device_rates(
        acc,
        get_inference_efficiency("b200", "fp4"),
        get_inference_efficiency("b200", "bf16"),
        get_serving_framework("vllm"),
        precision="fp4",
        par=par,
    )


def test_an_alltoall_within_one_node_keeps_the_scale_up_link() -> None:
    assert _alltoall_rates(get_accelerator("b200"), 8) == (None, None)


def test_an_alltoall_over_two_nodes_sends_half_its_bytes_out_of_the_node() -> None:
    # 16 GPUs: each sends 8/16 of its bytes to the other node at 40 GB/s and 7/16 within its node
    # at 720 GB/s at the same time; the slower part sets the time, 8/16 / 40 GB/s per byte, i.e.
    # 15/16 of the bytes (what the cost model counts) at 15 x 40 / 8 = 75 GB/s.
    bw, lat = _alltoall_rates(get_accelerator("b200"), 16)
    assert bw == pytest.approx(15 * 50e9 * LINK_EFFICIENCY / 8)
    assert bw == pytest.approx(75e9)
    assert lat == pytest.approx(4 * COLLECTIVE_LATENCY_S)


def test_the_alltoall_rate_lies_between_the_two_links() -> None:
    acc = get_accelerator("b200")
    out, up = (
        acc.scaleout_bandwidth_gb_s * 1e9 * LINK_EFFICIENCY,
        acc.scaleup_bandwidth_gb_s * 1e9 * LINK_EFFICIENCY,
    )
    rates = [_alltoall_rates(acc, d)[0] for d in (16, 32, 64, 128)]
    assert all(r is not None and out < r < up for r in rates)
    # more nodes: a larger share of the bytes leaves the node, so the rate falls towards scale-out
    assert rates == sorted(rates, reverse=True)


def test_a_tensor_parallel_group_inside_a_node_keeps_nvlink_in_a_two_node_replica() -> None:
    # TP4 x attention DP 4 with EP16 over two HGX nodes: the all-reduce of the 4 TP ranks runs on
    # NVLink (and uses the measured all-reduce curve), only the expert all-to-all crosses nodes.
    wide = _rates(Parallelism(tp=4, ep=16, pp=1))
    node = _rates(Parallelism(tp=4, ep=8, pp=1))
    assert wide.link_bytes_per_s == node.link_bytes_per_s == pytest.approx(900e9 * LINK_EFFICIENCY)
    assert wide.allreduce_measured == node.allreduce_measured
    assert node.alltoall_bytes_per_s is None
    assert wide.alltoall_bytes_per_s == pytest.approx(75e9)


def test_a_tensor_parallel_group_wider_than_a_node_runs_on_the_scale_out_link() -> None:
    r = _rates(Parallelism(tp=16, ep=1, pp=1))
    assert r.link_bytes_per_s == pytest.approx(50e9 * LINK_EFFICIENCY)
    assert r.allreduce_measured is None
