"""The routed-expert (MoE) kernel model against measured MoE kernel sweeps held aside.

``moe_kernels.csv`` gives, per serving framework, chip and weight precision, the fraction of peak
HBM bandwidth at which the framework's default MoE kernel streams expert weights in decode
(NVIDIA AIConfigurator 0.12.0 kernel sweeps, newest framework version measured: TensorRT-LLM
1.3.0rc20, SGLang 0.5.14, vLLM 0.24.0; ``tools/build_moe_kernel_efficiency.py``). The check set
``validation/data/kernels/moe_decode_heldaside.csv`` holds the same kernels measured with older
versions (TensorRT-LLM 1.3.0rc10, SGLang 0.5.10, vLLM 0.19.0 on H100/H200), which the efficiencies
were not taken from: 1,120 decode points (16 to 1,024 tokens, 1 to 16 tokens per expert, >= 500 MB of
expert weights touched, balanced routing) on the catalogue's MoE shapes.
"""

from __future__ import annotations

import statistics
from collections import defaultdict

import pytest

from stackplan.catalog._files import read_table
from stackplan.catalog.accelerators import get_accelerator
from stackplan.catalog.serving import get_inference_efficiency, get_serving_framework
from stackplan.perf.inference_model import expert_gemm_time_s
from stackplan.perf.inference_setup import (
    Parallelism,
    bytes_per_element,
    device_rates,
    weight_bytes_per_param,
)

_PKG = "stackplan.validation"


def _errors_by_framework() -> dict[str, list[float]]:
    table = read_table(
        "kernels/moe_decode_heldaside.csv", required=("framework", "accelerator", "latency_ms"), package=_PKG
    )
    out: dict[str, list[float]] = defaultdict(list)
    for r in table.rows:
        acc = get_accelerator(r["accelerator"])
        precision = r["precision"]
        rates = device_rates(
            acc,
            get_inference_efficiency(acc.id, precision),
            get_inference_efficiency(acc.id, "bf16"),
            get_serving_framework(r["framework"]),
            precision=precision,
            par=Parallelism(tp=1, ep=1, pp=1),
        )
        tp, ep, tokens = int(r["moe_tp"]), int(r["moe_ep"]), int(r["tokens"])
        experts, k = int(r["experts"]), int(r["active_experts"])
        params = 3.0 * int(r["hidden_size"]) * int(r["expert_ffn_hidden_size"]) / tp
        routed = tokens * k / ep
        touched = min(experts / ep, routed)  # balanced routing: every routed expert gets its share
        w_b = 1.0 if r["moe_dtype"].startswith("fp8") else weight_bytes_per_param(precision)
        t = float(expert_gemm_time_s(touched * params * w_b, 2.0 * routed * params, rates))
        out[r["framework"]].append(t / (float(r["latency_ms"]) * 1e-3) - 1.0)
    return out


def test_heldaside_set_covers_three_frameworks() -> None:
    errors = _errors_by_framework()
    assert {f: len(v) for f, v in errors.items()} == {"trtllm": 542, "sglang": 390, "vllm": 188}
    assert bytes_per_element("fp8") == 1.0


@pytest.mark.parametrize("framework", ["trtllm", "sglang", "vllm"])
def test_expert_streaming_transfers_to_older_framework_versions(framework: str) -> None:
    # median |error| held aside: TensorRT-LLM 1.3.0rc10 6.2 %, SGLang 0.5.10 15.2 %, vLLM 0.19.0 8.8 %
    # (with the streaming fraction of inference_efficiency.csv instead: 12.8 %, 22.6 %, 13.2 %, all
    # under-predicted)
    errors = _errors_by_framework()[framework]
    assert statistics.median(abs(e) for e in errors) <= 0.20


def test_expert_streaming_held_aside_overall_median_within_15_percent() -> None:
    # 8.7 % over the 1,120 points (15.4 % with the streaming fraction)
    errors = [e for v in _errors_by_framework().values() for e in v]
    assert statistics.median(abs(e) for e in errors) <= 0.15
