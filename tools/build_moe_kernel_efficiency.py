"""Build ``catalog/data/moe_kernels.csv`` from AIConfigurator's measured MoE kernel sweeps.

Usage::

    python tools/build_moe_kernel_efficiency.py AIC_SYSTEMS_DATA_DIR > \
        src/stackplan/catalog/data/moe_kernels.csv
    python tools/build_moe_kernel_efficiency.py AIC_SYSTEMS_DATA_DIR --held-aside > \
        src/stackplan/validation/data/kernels/moe_decode_heldaside.csv

``AIC_SYSTEMS_DATA_DIR`` is ``aiconfigurator_core/systems/data`` of an installed
``aiconfigurator-core`` 0.12.0 (``pip install aiconfigurator==0.12.0`` in a scratch environment;
Apache-2.0; needs ``pandas`` and ``pyarrow`` there, not in Stackplan). Each ``moe_perf.parquet``
holds the latency of one GPU's MoE block (routing, token permutation, the two grouped GEMMs,
finalize) for ``num_tokens`` tokens routed over ``num_experts`` experts of which the GPU holds
``num_experts / moe_ep_size``, each sliced ``moe_tp_size``-way, timed with CUDA graphs.

What is computed: the fraction of peak HBM bandwidth at which the block streams the weights of
the local experts it touches, in the decode regime where weight reads dominate:

* shapes of the MoE models in Stackplan's catalogue (hidden, expert FFN, experts, top-k);
* 1 to 16 tokens per touched local expert, at least 500 MB of expert weights touched (below
  that the block's fixed latency, which Stackplan charges per layer elsewhere, dominates);
* routing ``balanced`` and ``power_law_1.01`` (AIConfigurator's default, skewed like real routers);
* each backend of the framework (``BACKENDS`` below: the default and the measured
  alternatives) at the newest framework version that measured it; FP8 pools per-tensor (``fp8``) and block-scaled
  (``fp8_block``) checkpoints.

The median over those rows is the ``expert_bandwidth_efficiency`` of the row.

``--held-aside`` writes the check set instead: decode-regime rows of the same kernels measured
with older framework versions (TensorRT-LLM 1.3.0rc10, SGLang 0.5.10, vLLM 0.19.0 on H100/H200),
which the efficiencies were not taken from, balanced routing, 16 to 1,024 tokens.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import cast

import pandas as pd

#: (hidden, expert FFN, experts, top-k) of the catalogue's MoE models.
SHAPES: dict[tuple[int, ...], str] = {
    (5120, 8192, 16, 1): "llama-4-scout",
    (5120, 8192, 128, 1): "llama-4-maverick",
    (7168, 2048, 256, 8): "deepseek-v3/r1",
    (4096, 14336, 8, 2): "mixtral-8x7b",
    (6144, 16384, 8, 2): "mixtral-8x22b",
    (4096, 1536, 128, 8): "qwen3-235b-a22b",
    (5120, 1536, 160, 6): "deepseek-v2",
    (2880, 2880, 128, 4): "gpt-oss-120b",
    (2880, 2880, 32, 4): "gpt-oss-20b",
}
SYSTEMS = {
    "h100_sxm": ("h100-sxm", 3.35e12),
    "h200_sxm": ("h200", 4.8e12),
    "b200_sxm": ("b200", 8.0e12),
    "gb200": ("gb200", 8.0e12),
}
PRECISION = {
    "bfloat16": "bf16",
    "fp8": "fp8",
    "fp8_block": "fp8",
    "nvfp4": "fp4",
    "w4a16_mxfp4": "mxfp4",
    "w4a8_mxfp4_mxfp8": "mxfp4",
    "int4_wo": "int4",
}
#: Weight bytes per element: NVFP4 one E4M3 scale per 16 elements, MXFP4 one E8M0 scale per 32
#: (OCP Microscaling Formats (MX) v1.0 specification, 2023); INT4 weight-only one bf16 scale per 32
#: (Kimi K2.5's compressed-tensors checkpoint: ``group_size`` 32, the shape these sweeps measure).
WEIGHT_BYTES = {
    "bfloat16": 2.0,
    "fp8": 1.0,
    "fp8_block": 1.0,
    "nvfp4": 0.5625,
    "w4a16_mxfp4": 0.53125,
    "w4a8_mxfp4_mxfp8": 0.53125,
    "int4_wo": 0.5625,
}
HOPPER = {"h100_sxm", "h200_sxm"}

#: MoE backends by (framework, Hopper?): name as the framework's option takes it, whether it is the
#: default there, and the AIConfigurator kernel sources that measure it.
#: TensorRT-LLM (``moe_config.backend``): CUTLASS is the default (TensorRT-LLM examples/wide_ep README
#: before 2026-09; AIConfigurator generator ``facts/apply.py``: "the builder defaults to CUTLASS"),
#: with DeepGEMM for block FP8 on Blackwell; TRTLLM runs the TensorRT-LLM-gen kernels (Blackwell only,
#: AIConfigurator's ``moe_torch_flow_min_latency`` rows). SGLang (``--moe-runner-backend``): Triton on
#: Hopper; on Blackwell the server arguments select ``flashinfer_trtllm`` for NVFP4 DeepSeek/Qwen
#: (sgl-project/sglang #18614), and AIConfigurator's collector measured it for every dtype there.
#: vLLM 0.24 (``--moe-backend``): Triton experts on Hopper, FlashInfer TensorRT-LLM-gen on Blackwell
#: (the kernels vLLM's own backend selection gave AIConfigurator's collector); FlashInfer CUTLASS as
#: the alternative.
BACKENDS: dict[tuple[str, bool], tuple[tuple[str, bool, tuple[str, ...]], ...]] = {
    ("trtllm", True): (("CUTLASS", True, ("moe_torch_flow_cutlass",)),),
    ("trtllm", False): (
        ("CUTLASS", True, ("moe_torch_flow_cutlass", "deepgemm")),
        ("TRTLLM", False, ("moe_torch_flow_min_latency",)),
    ),
    ("sglang", True): (
        ("triton", True, ("sglang_fused_moe_triton",)),
        ("flashinfer_cutlass", False, ("sglang_flashinfer_cutlass_moe",)),
    ),
    ("sglang", False): (
        ("flashinfer_trtllm", True, ("sglang_flashinfer_trtllm_moe",)),
        ("triton", False, ("sglang_fused_moe_triton",)),
    ),
    ("vllm", True): (
        (
            "triton",
            True,
            ("vllm_fp8moe_triton_tritonexperts", "vllm_unquantizedfusedmoe_triton_tritonexperts"),
        ),
        ("flashinfer_cutlass", False, ("vllm_fp8moe_flashinfer_cutlass_flashinferexperts",)),
    ),
    ("vllm", False): (
        (
            "flashinfer_trtllm",
            True,
            (
                "vllm_unquantizedfusedmoe_flashinfer_trtllm_trtllmbf16experts",
                "vllm_modeloptfp8moe_flashinfer_trtllm_trtllmfp8expertsmonolithic",
                "vllm_fp8moe_flashinfer_trtllm_trtllmfp8expertsmonolithic",
                "vllm_compressedtensorsw4a4nvfp4moe_flashinfer_trtllm_trtllmnvfp4expertsmonolithic",
            ),
        ),
        (
            "flashinfer_cutlass",
            False,
            (
                "vllm_unquantizedfusedmoe_flashinfer_cutlass_flashinferexperts",
                "vllm_modeloptfp8moe_flashinfer_cutlass_flashinferexperts",
                "vllm_compressedtensorsw4a4nvfp4moe_flashinfer_cutlass_flashinferexperts",
            ),
        ),
    ),
}
#: MoE backends for MXFP4 expert weights (gpt-oss's published checkpoint), by (framework, Hopper?):
#: name, default?, kernel sources, and the measured weight/activation mode. TensorRT-LLM: "For
#: Blackwell, the default MoE backend is TRTLLM. For Hopper, the default MoE backend is TRITON",
#: with MXFP8 activations on Blackwell and BF16 on Hopper (TensorRT-LLM Deployment Guide for GPT-OSS,
#: MoE backend support matrix, docs 1.4.0rc4; the 1.2.0rc2 guide already recommends TRTLLM on
#: Blackwell). vLLM: the gpt-oss MXFP4 kernels vLLM's own selection gave AIConfigurator's collector
#: (OpenAI Triton kernels on Hopper, FlashInfer TensorRT-LLM-gen with BF16 activations on Blackwell).
#: SGLang: Triton on Hopper, FlashInfer TensorRT-LLM-gen on Blackwell, BF16 activations (an
#: ``mxfp4`` checkpoint is weight-only W4A16 unless a deployment quantises activations:
#: AIConfigurator ``sdk/models/helpers.py``).
MXFP4_BACKENDS: dict[tuple[str, bool], tuple[tuple[str, bool, tuple[str, ...], str], ...]] = {
    ("trtllm", True): (("TRITON", True, ("moe_torch_flow",), "w4a16_mxfp4"),),
    ("trtllm", False): (("TRTLLM", True, ("moe_torch_flow",), "w4a8_mxfp4_mxfp8"),),
    ("vllm", True): (
        ("triton", True, ("vllm_gptossmxfp4moe_triton_oaitritonmxfp4expertsmonolithic",), "w4a16_mxfp4"),
    ),
    ("vllm", False): (
        (
            "flashinfer_trtllm",
            True,
            ("vllm_gptossmxfp4moe_flashinfer_trtllm_mxfp4_bf16_trtllmmxfp4expertsmonolithic",),
            "w4a16_mxfp4",
        ),
    ),
    ("sglang", True): (("triton", True, ("sglang_fused_moe_triton",), "w4a16_mxfp4"),),
    ("sglang", False): (("flashinfer_trtllm", True, ("sglang_flashinfer_trtllm_moe",), "w4a16_mxfp4"),),
}
#: MoE backends for INT4 weight-only (W4A16) experts, by (framework, Hopper?): vLLM runs a
#: compressed-tensors WNA16 checkpoint (Kimi K2.5's published one) through the Marlin MoE kernel on
#: Hopper and Blackwell (the kernel vLLM 0.24's own selection gave AIConfigurator's collector). The
#: sweeps measure Kimi K2.5's shape only, which is not among ``SHAPES`` (the other precisions keep
#: their shapes), so it is added for these rows alone.
INT4_BACKENDS: dict[tuple[str, bool], tuple[tuple[str, bool, tuple[str, ...], str], ...]] = {
    (
        "vllm",
        hopper,
    ): (("marlin", True, ("vllm_compressedtensorswna16marlinmoe_marlin_marlinexperts",), "int4_wo"),)
    for hopper in (True, False)
}
INT4_SHAPES: dict[tuple[int, ...], str] = {(7168, 2048, 384, 8): "kimi-k2.5"}
#: The default backend's kernels, by (framework, Hopper?).
DEFAULT_KERNELS: dict[tuple[str, bool], tuple[str, ...]] = {
    key: next(kernels for _, default, kernels in backends if default) for key, backends in BACKENDS.items()
}
FIELDS = [
    "framework",
    "accelerator",
    "precision",
    "backend",
    "default",
    "expert_bandwidth_efficiency",
    "kernels",
    "framework_version",
    "samples",
    "source",
]


def _version_key(v: str) -> tuple[int, ...]:
    return tuple(
        int("".join(ch for ch in part if ch.isdigit()) or 0) for part in v.replace("rc", ".").split(".")
    )


def _decode_rows(
    df: pd.DataFrame, kernels: tuple[str, ...], peak_bw: float, shapes: dict[tuple[int, ...], str] = SHAPES
) -> pd.DataFrame:
    """Rows of the default kernels in the decode regime, with the streamed fraction of peak HBM."""
    df = df[df.kernel_source.isin(kernels) & df.moe_dtype.isin(list(WEIGHT_BYTES))]
    df = df[df.distribution.isin(["balanced", "power_law_1.01"])]
    shape = list(zip(df.hidden_size, df.inter_size, df.num_experts, df.topk, strict=True))
    df = df[pd.Series([s in shapes for s in shape], index=df.index, dtype=bool)]
    local = df.num_experts / df.moe_ep_size
    routed = df.num_tokens * df.topk / df.moe_ep_size
    touched = local.clip(upper=routed).clip(lower=1.0)
    weights = (
        3.0 * df.hidden_size * df.inter_size / df.moe_tp_size * df.moe_dtype.map(WEIGHT_BYTES).astype(float)
    )
    nbytes = touched * weights
    per_expert = routed / touched
    df = df.assign(nbytes=nbytes, per_expert=per_expert, fraction=nbytes / peak_bw / (df.latency * 1e-3))
    return df[(df.per_expert >= 1) & (df.per_expert <= 16) & (df.nbytes >= 5e8)]


def rows(data_dir: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for system, (accelerator, peak_bw) in SYSTEMS.items():
        for framework in ("trtllm", "sglang", "vllm"):
            base = data_dir / system / "moe" / framework
            versions = (
                sorted(
                    (p.name for p in base.iterdir() if (p / "moe_perf.parquet").exists()), key=_version_key
                )
                if base.exists()
                else []
            )
            if not versions:
                continue
            hopper = system in HOPPER
            specs: list[tuple[str, bool, tuple[str, ...], str | None]] = [
                (b, d, k, None) for b, d, k in BACKENDS[(framework, hopper)]
            ]
            specs += list(MXFP4_BACKENDS.get((framework, hopper), ()))
            specs += list(INT4_BACKENDS.get((framework, hopper), ()))
            for backend, default, kernels, mode in specs:
                shapes = {**SHAPES, **INT4_SHAPES} if mode == "int4_wo" else SHAPES
                for version in reversed(versions):  # the newest version that measured the kernels
                    df = _decode_rows(
                        pd.read_parquet(base / version / "moe_perf.parquet"), kernels, peak_bw, shapes
                    )
                    df = (
                        df[df.moe_dtype == mode]
                        if mode
                        else df[~df.moe_dtype.map(PRECISION).isin(["mxfp4", "int4"])]
                    )
                    if len(df) >= (MIN_MXFP4_SAMPLES if mode else 50):
                        break
                else:
                    continue
                for dtype_precision in ("bf16", "fp8", "fp4", "mxfp4", "int4"):
                    sel = df[df.moe_dtype.map(PRECISION) == dtype_precision]
                    if len(sel) < (MIN_MXFP4_SAMPLES if mode else 50):
                        continue
                    out.append(
                        {
                            "framework": framework,
                            "accelerator": accelerator,
                            "precision": dtype_precision,
                            "backend": backend,
                            "default": "true" if default else "false",
                            "expert_bandwidth_efficiency": round(float(sel.fraction.median()), 2),
                            "kernels": " ".join(sorted(set(sel.kernel_source)))
                            + (f" ({mode})" if mode else ""),
                            "framework_version": version,
                            "samples": len(sel),
                            "source": (
                                "NVIDIA AIConfigurator 0.12.0 (aiconfigurator-core, Apache-2.0) measured MoE kernel "
                                f"sweep systems/data/{system}/moe/{framework}/{version}/moe_perf.parquet: median "
                                "fraction of peak HBM at which the MoE block streams the touched local experts, "
                                "catalogue MoE shapes, 1-16 tokens per expert, >= 500 MB touched, balanced and "
                                "power-law 1.01 routing (tools/build_moe_kernel_efficiency.py)"
                            ),
                        }
                    )
    return out


#: The MXFP4 sweeps cover the two gpt-oss shapes only (fewer decode-regime points than the others).
MIN_MXFP4_SAMPLES = 20


#: Older framework versions (not used for the efficiencies) and their default Hopper kernels.
HELD_ASIDE = {
    ("trtllm", "1.3.0rc10"): ("moe_torch_flow_cutlass",),
    ("sglang", "0.5.10"): ("sglang_fused_moe_triton",),
    ("vllm", "0.19.0"): ("vllm_fused_moe",),
}
HELD_ASIDE_FIELDS = [
    "framework",
    "framework_version",
    "accelerator",
    "precision",
    "moe_dtype",
    "kernel",
    "hidden_size",
    "expert_ffn_hidden_size",
    "experts",
    "active_experts",
    "moe_tp",
    "moe_ep",
    "tokens",
    "latency_ms",
]


def held_aside(data_dir: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for system in sorted(HOPPER):
        accelerator, peak_bw = SYSTEMS[system]
        for (framework, version), kernels in HELD_ASIDE.items():
            path = data_dir / system / "moe" / framework / version / "moe_perf.parquet"
            if not path.exists():
                continue
            df = _decode_rows(pd.read_parquet(path), kernels, peak_bw)
            df = df[(df.distribution == "balanced") & df.num_tokens.isin([16, 64, 256, 1024])]
            for r in df.sort_values(
                ["moe_dtype", "hidden_size", "num_experts", "moe_tp_size", "moe_ep_size", "num_tokens"]
            ).itertuples():
                out.append(
                    {
                        "framework": framework,
                        "framework_version": version,
                        "accelerator": accelerator,
                        "precision": PRECISION[str(r.moe_dtype)],
                        "moe_dtype": r.moe_dtype,
                        "kernel": r.kernel_source,
                        "hidden_size": r.hidden_size,
                        "expert_ffn_hidden_size": r.inter_size,
                        "experts": r.num_experts,
                        "active_experts": r.topk,
                        "moe_tp": r.moe_tp_size,
                        "moe_ep": r.moe_ep_size,
                        "tokens": r.num_tokens,
                        "latency_ms": round(float(cast(float, r.latency)), 5),
                    }
                )
    return out


def main() -> None:
    data_dir = Path(sys.argv[1])
    if "--held-aside" in sys.argv[2:]:
        print("# schema_version: 1")
        print("# catalog: MoE block latency in decode, held aside from moe_kernels.csv")
        print("# as_of: 2026-11-26")
        print(
            "# source: NVIDIA AIConfigurator 0.12.0 (aiconfigurator-core, Apache-2.0) "
            "systems/data/<chip>/moe/<framework>/<version>/moe_perf.parquet, distribution balanced "
            "(tools/build_moe_kernel_efficiency.py --held-aside)"
        )
        print("# units: latency_ms one GPU's MoE block for `tokens` tokens [ms] (CUDA-graph timing)")
        writer = csv.DictWriter(sys.stdout, fieldnames=HELD_ASIDE_FIELDS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(held_aside(data_dir))
        return
    table = rows(data_dir)
    print("# schema_version: 1")
    print("# catalog: moe_kernels")
    print("# as_of: 2026-11-26")
    print(
        "# units: expert_bandwidth_efficiency fraction of peak HBM bandwidth at which the framework's default MoE "
        "kernel streams routed-expert weights in decode [-]; samples measured points behind the median [-]"
    )
    writer = csv.DictWriter(sys.stdout, fieldnames=FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(table)


if __name__ == "__main__":
    main()
