"""Toy serving costs and device rates for hand-worked inference tests.

A one-layer dense model that streams 1 GB of weights, costs 2 GFLOP per token and holds 100 kB of
KV per token, on a device with 1 PFLOP/s of matmul, 0.5 PFLOP/s of attention and 1 TB/s of memory
bandwidth; no fixed costs unless a test asks for them (``dataclasses.replace``).
"""

from __future__ import annotations

from stackplan.perf.inference_model import DeviceRates, ServingCost

TOY_RATES = DeviceRates(
    matmul_flops_per_s=1e15,
    attention_flops_per_s=5e14,
    memory_bytes_per_s=1e12,
    link_bytes_per_s=1e11,
    link_latency_s=1e-5,
    layer_overhead_s=0.0,
    iteration_overhead_s=0.0,
)


def toy_cost(**overrides: float) -> ServingCost:
    """The toy model's per-device cost, with fields overridden by keyword."""
    base: dict[str, float] = {
        "layers": 1,
        "moe_layers": 0,
        "dense_weight_bytes": 1e9,
        "dense_flops_per_token": 2e9,
        "experts": 0,
        "active_experts": 0,
        "expert_bytes_per_layer": 0.0,
        "expert_flops_per_token": 0.0,
        "kv_bytes_per_token": 1e5,
        "attention_flops_per_context_token_prefill": 1e3,
        "attention_flops_per_context_token_decode": 1e3,
        "activation_bytes_per_token": 0.0,
        "allreduce_bytes_per_token": 0.0,
        "allreduces": 0,
        "alltoall_bytes_per_token": 0.0,
        "alltoalls": 0,
        "tp": 1,
        "attn_dp": 1,
        "pp": 1,
    }
    base.update(overrides)
    return ServingCost(**base)  # type: ignore[arg-type]
