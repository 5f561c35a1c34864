"""Building the inputs of the serving equations from an architecture, a chip and a parallelism.

Turns a :class:`~stackplan.models.ModelArchitecture`, an accelerator with its efficiency row and a
serving framework into the per-device :class:`ServingCost` and :class:`DeviceRates` of
:mod:`stackplan.perf.inference_model`, and computes memory per device. Pure functions of their
arguments (the caller looks the data up).
"""

from __future__ import annotations

from dataclasses import dataclass

from stackplan.catalog.accelerators import BYTES_PER_ELEMENT, Accelerator
from stackplan.catalog.serving import (
    InferenceEfficiency,
    ServingFramework,
    get_allreduce_latency,
    get_host_sequence_overhead_s,
    get_inference_efficiency,
    get_moe_kernel_efficiency,
)
from stackplan.models.architecture import ModelArchitecture
from stackplan.perf.inference_model import DeviceRates, ServingCost, kv_context

__all__ = [
    "ACTIVATION_BYTES",
    "ATTENTION_KERNEL_EFFICIENCY",
    "COLLECTIVE_LATENCY_S",
    "EXPERT_MATMUL_FRACTION",
    "LINK_EFFICIENCY",
    "MemoryBreakdown",
    "Parallelism",
    "device_rates",
    "int4_experts",
    "memory_per_device",
    "mxfp4_experts",
    "serving_cost",
    "weight_bytes_split",
]

#: Bytes of one activation element moved between kernels (bf16) [B].
ACTIVATION_BYTES = 2.0

#: Attention-kernel rate relative to the chip's achievable bf16 GEMM rate [-]. Measured on H100 by
#: this project: causal flash attention forward at seq 8k runs 550-590 TFLOP/s vs a median bf16 GEMM
#: of 669 TFLOP/s (docs/measurements.md), i.e. ~0.85; FlashAttention-3 reports ~75 % of H100 bf16
#: peak (Shah et al. 2024, arXiv:2407.08608, Fig. 5).
ATTENTION_KERNEL_EFFICIENCY = 0.85

#: Achievable fraction of the scale-up link bandwidth for all-reduce (NCCL bus bandwidth ~360 of
#: 450 GB/s on H100 NVLink 4, nccl-tests all_reduce_perf on DGX H100) [-].
LINK_EFFICIENCY = 0.8

#: Latency of one small collective over the scale-up domain [s], beyond the fixed kernel latency
#: that ``layer_overhead_us`` already counts for the all-reduce kernel: one-shot all-reduce kernels
#: of vLLM/TensorRT-LLM take ~5-10 us on NVLink for decode-sized messages (vLLM custom all-reduce
#: PR #2192 benchmarks; TensorRT-LLM fuses the all-reduce with the residual add and RMSNorm), of
#: which ~3-5 us is the launch and ramp of any small kernel. The lower end, 5 us, is kept: the
#: held-out Llama-3.1-70B rows on H200/B200 (TP1..TP8 at concurrency 4) rise by ~0-3 us per
#: all-reduce from TP1 to TP8 (docs/inference-model.md, "Held-out TPOT"). NCCL's own small-message
#: latency is ~10-20 us.
COLLECTIVE_LATENCY_S = 5e-6

#: Fraction of the dense matmul rate that routed-expert layers reach once compute-bound [-]:
#: grouped GEMMs over many small per-expert batches, token permutation/un-permutation and routing.
#: Evidence: in the same MLPerf Inference v4.1 round on the same 8x H100 system, Llama-2-70B reached
#: 43 % of fp8 peak in model FLOPs and Mixtral-8x7B 26 % (MLCommons v4.1 results, DGX-H100 TRT), a
#: ratio of 0.6; MegaBlocks (Gale et al., MLSys 2023) reports grouped/block-sparse expert kernels
#: at 50-70 % of dense cuBLAS throughput.
EXPERT_MATMUL_FRACTION = 0.6

#: Block-scale bytes per weight element by precision [B]: NVFP4 keeps one FP8 E4M3 scale per
#: 16 consecutive elements (NVIDIA, "Introducing NVFP4 for Efficient and Accurate Low-Precision
#: Inference", technical blog 2025; NVIDIA Blackwell architecture technical brief).
#: Weight-only INT4 (W4A16) keeps one bf16 scale per group of 32 weights, ``2/32`` B per weight
#: (Kimi K2.5's compressed-tensors checkpoint, ``group_size`` 32; GPTQ/AWQ checkpoints with groups
#: of 128 carry ``2/128``: their weights are then over-counted by 9 %).
WEIGHT_SCALE_BYTES: dict[str, float] = {"fp4": 1.0 / 16.0, "int4": 2.0 / 32.0}

#: Bytes per weight of MXFP4: 4-bit E2M1 values with one 8-bit E8M0 scale per 32-element block,
#: ``0.5 + 1/32`` [B] (OCP Microscaling Formats (MX) Specification v1.0, 2023).
MXFP4_WEIGHT_BYTES = 0.5 + 1.0 / 32.0

#: Bytes per weight of the non-expert weights of a checkpoint that quantises only its routed
#: experts (gpt-oss: attention, router, embeddings and output head are bf16) [B].
UNQUANTISED_WEIGHT_BYTES = 2.0

#: Extra kernels per layer when activations are quantised to a block-scaled 4-bit format before
#: the GEMMs (W4A4 NVFP4) [-]: the inputs of the QKV and gate/up GEMMs are quantised inside the
#: preceding fused RMSNorm, those of the output and down GEMMs by separate quantisation kernels.
#: Source: TensorRT-LLM ``fp4_quantize`` op and the fused ``RMSNorm + fp4 quant`` kernel
#: (TensorRT-LLM NVFP4 Llama path).
FP4_ACTIVATION_QUANT_KERNELS = 2.0

#: Kernels of one dense decoder layer (GQA attention, gated MLP) per decode iteration [-]: input
#: RMSNorm, QKV GEMM, RoPE + KV-cache write, attention, output GEMM, all-reduce (fused with the
#: residual add), post-attention RMSNorm, gate/up GEMM, SiLU-and-multiply, down GEMM, all-reduce,
#: residual add. The framework's ``layer_overhead_us`` is the fixed latency of such a layer.
#: Source: TensorRT-LLM / vLLM Llama layer implementations (``LlamaDecoderLayer``); NVIDIA,
#: "Mastering LLM Techniques: Inference Optimization" (2023): ~10-15 kernels per layer.
DENSE_LAYER_KERNELS = 12.0

#: Extra kernels of a multi-head latent attention block over a GQA block [-]: the q/kv latent
#: down-projection (fused), the two latent RMSNorms, the q up-projection and the two absorbed
#: batched GEMMs (``q_nope W_UK`` before and ``W_UV`` after attention) replace one QKV GEMM.
#: Source: DeepSeek-V3 report sec. 2.1.1 (MLA equations 1-11); ``DeepseekV3Attention`` /
#: ``MLA`` modules of TensorRT-LLM and SGLang (absorbed decode path).
MLA_EXTRA_KERNELS = 5.0

#: Extra kernels of a routed-MoE block over a dense gated MLP [-]: router GEMM, top-k selection,
#: token permutation (expand) and un-permutation (finalize / weighted combine); the grouped
#: gate/up and down GEMMs and the activation replace the dense ones. Shared experts add their own
#: gate/up GEMM, activation and down GEMM (``MOE_SHARED_EXPERT_KERNELS``).
#: Source: TensorRT-LLM ``CutlassFusedMoE`` / vLLM ``fused_moe`` call sequence (routing,
#: ``expand_input_row``, grouped GEMM 1, activation, grouped GEMM 2, ``finalize_moe_routing``).
MOE_EXTRA_KERNELS = 4.0
MOE_SHARED_EXPERT_KERNELS = 3.0

#: Element-wise HBM passes per layer, in units of the hidden size, per token: two RMSNorms
#: (read + write, 2 each), two residual adds (3 each), RoPE on q/k and the gated activation
#: (counted separately below) [-].
ELEMENTWISE_HIDDEN_PASSES = 10.0


@dataclass(frozen=True, kw_only=True)
class Parallelism:
    """How one model instance is spread over devices.

    ``tp`` tensor-parallel degree of attention (and dense layers), ``ep`` expert-parallel degree
    of routed experts, ``pp`` pipeline stages. A stage spans ``max(tp, ep)`` devices; attention is
    data-parallel ``max(tp, ep) / tp``-way inside it (DeepSeek-style attention DP + EP when
    ``tp = 1``, ``ep = 8``).
    """

    tp: int = 1
    ep: int = 1
    pp: int = 1

    @property
    def stage_devices(self) -> int:
        """Devices in one pipeline stage [-]."""
        return max(self.tp, self.ep)

    @property
    def devices(self) -> int:
        """Devices of one model instance [-]."""
        return self.pp * self.stage_devices

    @property
    def attn_dp(self) -> int:
        """Data-parallel attention ranks in a stage [-]."""
        return self.stage_devices // self.tp

    def label(self) -> str:
        return f"TP{self.tp} EP{self.ep} PP{self.pp}"


def _routed_expert_params(arch: ModelArchitecture) -> float:
    """All routed-expert weights of the model [-]."""
    if arch.moe is None:
        return 0.0
    return float(arch.moe_layers * arch.moe.experts * arch.expert_params)


def mxfp4_experts(arch: ModelArchitecture, precision: str | None) -> bool:
    """Whether serving ``arch`` at ``precision`` runs its published MXFP4-expert checkpoint.

    True for ``fp4`` on a model whose routed experts ship in MXFP4 with every other weight in bf16
    (``MoE.weight_format == "mxfp4"``, gpt-oss): the experts stream at :data:`MXFP4_WEIGHT_BYTES`
    through the framework's MXFP4 MoE kernel (``moe_kernels.csv`` precision ``mxfp4``), the
    non-expert weights at 2 B in bf16 GEMMs.
    """
    return precision == "fp4" and arch.moe is not None and arch.moe.weight_format == "mxfp4"


def int4_experts(arch: ModelArchitecture, precision: str | None) -> bool:
    """Whether serving ``arch`` at ``precision`` runs its published INT4-expert checkpoint.

    True for ``int4`` on a model whose routed experts ship in INT4 weight-only with every other
    weight in bf16 (``MoE.weight_format == "int4"``, Kimi K2.5: attention, shared expert and the
    dense layer unquantised): the experts stream at ``weight_bytes_per_param("int4")`` through the
    framework's INT4 MoE kernel (``moe_kernels.csv`` precision ``int4``), the rest at 2 B. Another
    model at ``int4`` quantises every weight (a GPTQ/AWQ checkpoint).
    """
    return precision == "int4" and arch.moe is not None and arch.moe.weight_format == "int4"


def weight_bytes_split(
    arch: ModelArchitecture, precision: str | None, weight_bytes_per_param: float
) -> tuple[float, float]:
    """Bytes per non-expert weight and per routed-expert weight [B].

    The expert-only checkpoints (:func:`mxfp4_experts`, :func:`int4_experts`) keep the non-expert
    weights in bf16.
    """
    if mxfp4_experts(arch, precision):
        return UNQUANTISED_WEIGHT_BYTES, MXFP4_WEIGHT_BYTES
    if int4_experts(arch, precision):
        return UNQUANTISED_WEIGHT_BYTES, weight_bytes_per_param
    return weight_bytes_per_param, weight_bytes_per_param


def layer_kernel_ratio(arch: ModelArchitecture, precision: str | None = None) -> float:
    """Kernels per layer relative to a dense GQA layer, averaged over the model's layers [-].

    ``1 + (MLA_EXTRA [if MLA] + f_moe (MOE_EXTRA + SHARED [if shared experts]) + FP4_QUANT [if fp4])
    / DENSE_LAYER_KERNELS`` with ``f_moe`` the share of MoE layers; fp4 adds
    ``FP4_ACTIVATION_QUANT_KERNELS`` (Llama-3.1-70B fp4: ``1 + 2/12 = 1.1667``). Worked: DeepSeek-V3 (MLA, 58 of 61 layers MoE with one
    shared expert) ``1 + (5 + 58/61 x 7) / 12 = 1.9713``; Qwen3-235B-A22B (GQA, all 94 layers MoE,
    no shared expert) ``1 + 4/12 = 1.3333``; a dense GQA model 1.
    """
    extra = MLA_EXTRA_KERNELS if arch.mla is not None else 0.0
    if arch.moe is not None and arch.layers > 0:
        moe_kernels = MOE_EXTRA_KERNELS + (MOE_SHARED_EXPERT_KERNELS if arch.moe.shared_experts > 0 else 0.0)
        extra += arch.moe_layers / arch.layers * moe_kernels
    if precision == "fp4" and not mxfp4_experts(arch, precision):
        extra += FP4_ACTIVATION_QUANT_KERNELS  # an MXFP4-expert checkpoint keeps bf16 attention/MLP inputs
    return 1.0 + extra / DENSE_LAYER_KERNELS


def serving_cost(
    arch: ModelArchitecture,
    par: Parallelism,
    *,
    weight_bytes_per_param: float,
    kv_bytes_per_element: float,
    precision: str | None = None,
) -> ServingCost:
    """Per-device work of one pipeline stage for ``arch`` under ``par`` (see :class:`ServingCost`).

    Non-expert weights (attention, dense MLPs, shared experts, router, output head) are split
    ``tp``-way and ``pp``-way; routed experts over all ``pp * max(tp, ep)`` devices. KV heads are
    split ``min(tp, kv_heads)``-way (replicated beyond that); an MLA latent cannot be split by
    heads and is replicated over TP ranks (DeepSeek-V3 report sec. 3.4). The input embedding is a
    lookup: held in memory but not streamed per iteration.
    """
    pp, tp, stage = par.pp, par.tp, par.stage_devices
    layers_stage = arch.layers / pp
    moe_layers_stage = arch.moe_layers / pp
    routed = _routed_expert_params(arch)
    non_expert_streamed = arch.total_params - routed - arch.embedding_params
    if arch.tied_embeddings:
        non_expert_streamed += arch.embedding_params
    dense_bytes, expert_bytes = weight_bytes_split(arch, precision, weight_bytes_per_param)
    dense_weight_bytes = non_expert_streamed / (tp * pp) * dense_bytes
    active_routed = (
        float(arch.moe_layers * arch.moe.active_experts * arch.expert_params) if arch.moe is not None else 0.0
    )
    dense_flops = 2.0 * (arch.matmul_params_active - active_routed) / (tp * pp)

    experts = arch.moe.experts if arch.moe is not None else 0
    k = arch.moe.active_experts if arch.moe is not None else 0
    expert_bytes_per_layer = (
        experts * arch.expert_params * expert_bytes / stage if arch.moe is not None else 0.0
    )
    expert_flops = 2.0 * k * arch.expert_params * moe_layers_stage / stage

    kv_elements_layer = arch.kv_cache_elements_per_token() / arch.layers
    kv_split = 1 if arch.mla is not None else min(tp, arch.kv_heads)
    kv_bytes = kv_elements_layer * layers_stage * kv_bytes_per_element / kv_split

    heads_dev = arch.heads / tp
    attn_prefill = 2.0 * heads_dev * (arch.qk_head_dim + arch.v_head_dim) * layers_stage
    if arch.mla is not None:
        m = arch.mla
        attn_decode = 2.0 * heads_dev * (2 * m.kv_lora_rank + m.qk_rope_head_dim) * layers_stage
    else:
        attn_decode = attn_prefill

    ffn_local = (
        arch.moe.expert_ffn_hidden_size * k / stage
        if arch.moe is not None and arch.moe_layers == arch.layers
        else arch.ffn_hidden_size / tp
    )
    act = (
        (
            ELEMENTWISE_HIDDEN_PASSES * arch.hidden_size
            + 3.0 * ffn_local
            + 2.0 * (arch.heads + arch.kv_heads) * arch.head_dim / tp
        )
        * ACTIVATION_BYTES
        * layers_stage
    )

    allreduces = round(2 * layers_stage) if tp > 1 else 0
    alltoalls = round(2 * moe_layers_stage) if (par.attn_dp > 1 and arch.moe is not None) else 0
    a2a_bytes = k * arch.hidden_size * ACTIVATION_BYTES * (stage - 1) / stage if alltoalls else 0.0
    return ServingCost(
        layers=max(round(layers_stage), 1),
        moe_layers=round(moe_layers_stage),
        dense_weight_bytes=dense_weight_bytes,
        dense_flops_per_token=dense_flops,
        experts=experts,
        active_experts=k,
        expert_bytes_per_layer=expert_bytes_per_layer,
        expert_flops_per_token=expert_flops,
        kv_bytes_per_token=kv_bytes,
        attention_flops_per_context_token_prefill=attn_prefill,
        attention_flops_per_context_token_decode=attn_decode,
        activation_bytes_per_token=act,
        allreduce_bytes_per_token=arch.hidden_size * ACTIVATION_BYTES,
        allreduces=allreduces,
        alltoall_bytes_per_token=a2a_bytes,
        alltoalls=alltoalls,
        tp=tp,
        attn_dp=par.attn_dp,
        pp=pp,
        layer_kernel_ratio=layer_kernel_ratio(arch, precision),
        head_flops_per_token=2.0 * arch.vocab_size * arch.hidden_size / (tp * pp),
        local_attention_fraction=(
            arch.local_attention.local_layers(arch.layers) / arch.layers if arch.local_attention else 0.0
        ),
        local_attention_window=float(arch.local_attention.window) if arch.local_attention else 0.0,
        local_attention_kind=arch.local_attention.kind if arch.local_attention else "chunked",
    )


def device_rates(
    acc: Accelerator,
    eff: InferenceEfficiency,
    bf16_eff: InferenceEfficiency,
    framework: ServingFramework,
    *,
    precision: str,
    par: Parallelism,
    moe: bool = True,
    mxfp4: bool = False,
) -> DeviceRates:
    """Achievable rates of one device: peaks times the efficiency data and the global constants.

    ``moe=False`` (a dense model) skips the MoE kernel lookup. Weights and activations stream at ``HBM x memory_bandwidth_efficiency``; the decode-attention
    kernel reads the KV cache at ``HBM x kv_read_efficiency`` (its own measured fraction where the
    efficiency row has one, e.g. B200: 0.76 x 8 TB/s = 6.08 TB/s, else the streaming fraction);
    the framework's MoE kernel (its default backend, or ``framework.moe_backend``) streams
    routed-expert weights at its measured fraction of ``moe_kernels.csv`` where there is one (e.g. TensorRT-LLM's CUTLASS NVFP4 MoE on B200: 0.49),
    else at the streaming fraction.

    ``mxfp4=True`` (the model's MXFP4-expert checkpoint at ``fp4``, :func:`mxfp4_experts`): the
    non-expert GEMMs run in bf16, the experts' MXFP4 MoE kernel is looked up at precision ``mxfp4``
    and its GEMMs run at the activation precision of that kernel: fp8 (MXFP8) for TensorRT-LLM on
    chips with FP4 tensor cores, bf16 elsewhere (TensorRT-LLM Deployment Guide for GPT-OSS, MoE
    backend support matrix: Blackwell TRTLLM backend MXFP8 activations, Hopper TRITON BF16; vLLM and
    SGLang serve the checkpoint weight-only, W4A16).

    The tensor-parallel collectives use the scale-up link while the TP group fits in one scale-up
    domain, the scale-out link beyond; an expert-parallel stage wider than a domain runs its
    all-to-all at the hierarchical rate of :func:`_alltoall_rates`.
    """
    kernel_precision = "mxfp4" if mxfp4 else precision
    moe_kernel = (
        get_moe_kernel_efficiency(framework.id, acc.id, kernel_precision, framework.moe_backend)
        if moe
        else None
    )
    matmul = acc.peak_tflops(precision) * 1e12 * eff.matmul_efficiency
    expert_matmul = None
    if mxfp4:
        matmul = acc.peak_tflops("bf16") * 1e12 * bf16_eff.matmul_efficiency
        act = "fp8" if framework.id == "trtllm" and acc.peak_tflops_fp4 is not None else "bf16"
        expert_matmul = acc.peak_tflops(act) * 1e12 * get_inference_efficiency(acc.id, act).matmul_efficiency
    # a tensor-parallel group sits in one scale-up domain where it fits (frameworks place TP ranks on
    # consecutive GPUs); only the expert all-to-all of a wider stage crosses domains
    in_domain = par.tp <= acc.scaleup_domain_size
    link_gb_s = acc.scaleup_bandwidth_gb_s if in_domain else acc.scaleout_bandwidth_gb_s
    ar = get_allreduce_latency(framework.id, acc.id, par.tp) if in_domain and par.tp > 1 else None
    a2a_bw, a2a_lat = _alltoall_rates(acc, par.stage_devices)
    return DeviceRates(
        matmul_flops_per_s=matmul,
        expert_matmul_flops_per_s=expert_matmul,
        attention_flops_per_s=acc.peak_tflops_bf16
        * 1e12
        * bf16_eff.matmul_efficiency
        * ATTENTION_KERNEL_EFFICIENCY,
        memory_bytes_per_s=acc.hbm_bandwidth_tb_s * 1e12 * eff.memory_bandwidth_efficiency,
        kv_read_bytes_per_s=acc.hbm_bandwidth_tb_s * 1e12 * eff.kv_read_efficiency,
        expert_memory_bytes_per_s=(
            acc.hbm_bandwidth_tb_s * 1e12 * moe_kernel.expert_bandwidth_efficiency
            if moe_kernel is not None
            else None
        ),
        link_bytes_per_s=link_gb_s * 1e9 * LINK_EFFICIENCY,
        link_latency_s=COLLECTIVE_LATENCY_S if in_domain else 4 * COLLECTIVE_LATENCY_S,
        layer_overhead_s=framework.layer_overhead_us * 1e-6,
        iteration_overhead_s=framework.iteration_overhead_ms * 1e-3,
        cpu_overlapped=framework.async_scheduling,
        allreduce_measured=None if ar is None else (ar.message_bytes, ar.latency_s),
        expert_matmul_fraction=EXPERT_MATMUL_FRACTION,
        prefill_moe_layer_overhead_s=framework.prefill_moe_layer_overhead_us * 1e-6,
        sequence_overhead_s=get_host_sequence_overhead_s(framework.id, acc.id),
        alltoall_bytes_per_s=a2a_bw,
        alltoall_latency_s=a2a_lat,
    )


def _alltoall_rates(acc: Accelerator, devices: int) -> tuple[float | None, float | None]:
    """Effective all-to-all bandwidth [B/s] and latency [s] of ``devices`` that span scale-up domains.

    ``(None, None)`` within one domain. Across ``devices / d`` domains of ``d`` devices, each device
    sends ``(D - 1) / D`` of its all-to-all bytes: ``(D - d) / D`` to other domains over its
    scale-out link and ``(d - 1) / D`` within its domain over the scale-up link, both at once, so
    the collective lasts ``max((D - d) / BW_out, (d - 1) / BW_up) / D`` per byte; the effective
    bandwidth over the ``(D - 1) / D`` the cost model counts is ``(D - 1) / max(...)``.
    """
    d = acc.scaleup_domain_size
    if devices <= d:
        return None, None
    bw_out = acc.scaleout_bandwidth_gb_s * 1e9 * LINK_EFFICIENCY
    bw_up = acc.scaleup_bandwidth_gb_s * 1e9 * LINK_EFFICIENCY
    per_byte = max((devices - d) / bw_out, (d - 1) / bw_up)
    return (devices - 1) / per_byte, 4 * COLLECTIVE_LATENCY_S


@dataclass(frozen=True, kw_only=True)
class MemoryBreakdown:
    """Memory of one device [GiB]."""

    weights_gib: float
    kv_cache_gib: float
    activations_gib: float
    reserve_gib: float
    capacity_gib: float

    @property
    def total_gib(self) -> float:
        return self.weights_gib + self.kv_cache_gib + self.activations_gib + self.reserve_gib

    @property
    def fits(self) -> bool:
        return self.total_gib <= self.capacity_gib * (1 + 1e-9)


def weight_bytes_per_device(
    arch: ModelArchitecture, par: Parallelism, weight_bytes_per_param: float, precision: str | None = None
) -> float:
    """Weights held by one device [B]: non-expert over ``tp * pp``, routed experts over all devices.

    With ``precision`` given, an MXFP4-expert checkpoint keeps its own bytes per weight
    (:func:`weight_bytes_split`).
    """
    routed = _routed_expert_params(arch)
    dense_bytes, expert_bytes = weight_bytes_split(arch, precision, weight_bytes_per_param)
    return (arch.total_params - routed) / (
        par.tp * par.pp
    ) * dense_bytes + routed / par.devices * expert_bytes


def activation_bytes_per_device(arch: ModelArchitecture, par: Parallelism, chunk_tokens: int) -> float:
    """Peak activation workspace of one device for a prefill chunk [B].

    One layer's live tensors for ``chunk_tokens`` tokens: hidden states, q/k/v, the MLP
    intermediate (x3 for the gated form) and the logits of one token per sequence, in bf16;
    activations of earlier layers are freed (no backward pass). With data-parallel attention ranks
    the token budget is each rank's own (TensorRT-LLM ``enable_attention_dp``: ``max_num_tokens``
    per rank, as the steady state schedules it), so every rank holds a whole chunk's workspace.
    """
    tokens = float(chunk_tokens)
    ffn = (
        arch.ffn_hidden_size
        if arch.moe is None
        else arch.moe.expert_ffn_hidden_size * arch.moe.active_experts
    )
    per_token = (
        4 * arch.hidden_size + 3 * ffn / par.tp + (arch.heads + 2 * arch.kv_heads) * arch.head_dim / par.tp
    )
    return tokens * per_token * ACTIVATION_BYTES + 256 * arch.vocab_size / par.tp * 4.0


def memory_per_device(
    arch: ModelArchitecture,
    par: Parallelism,
    acc: Accelerator,
    framework: ServingFramework,
    *,
    weight_bytes_per_param: float,
    kv_bytes_per_element: float,
    sequences: float,
    context_tokens: float,
    precision: str | None = None,
) -> MemoryBreakdown:
    """Memory per device for ``sequences`` concurrent requests of ``context_tokens`` each.

    Sliding-window layers hold only their window of each request's context (:func:`kv_context`).

    ``weights + KV + activations + reserve`` where the reserve is the share of HBM the framework
    keeps back (CUDA context, allocator slack, CUDA graphs): ``(1 - memory_fraction) * HBM``.
    """
    gib = float(2**30)
    cost = serving_cost(
        arch, par, weight_bytes_per_param=weight_bytes_per_param, kv_bytes_per_element=kv_bytes_per_element
    )
    kv = sequences / par.attn_dp * float(kv_context(cost, context_tokens)) * cost.kv_bytes_per_token
    return MemoryBreakdown(
        weights_gib=weight_bytes_per_device(arch, par, weight_bytes_per_param, precision) / gib,
        kv_cache_gib=kv / gib,
        activations_gib=activation_bytes_per_device(arch, par, framework.prefill_chunk_tokens) / gib,
        reserve_gib=acc.hbm_gib * (1.0 - framework.memory_fraction),
        capacity_gib=acc.hbm_gib,
    )


def bytes_per_element(precision: str) -> float:
    """Bytes per element of a precision name [B]."""
    return BYTES_PER_ELEMENT[precision]


def weight_bytes_per_param(precision: str) -> float:
    """Bytes one weight takes in HBM at ``precision``, block scales included [B].

    ``BYTES_PER_ELEMENT + WEIGHT_SCALE_BYTES``: NVFP4 stores one FP8 (E4M3) scale per 16-element
    block next to the 4-bit values, ``0.5 + 1/16 = 0.5625`` B per weight; the fp8 checkpoints'
    per-tensor or 128x128-block fp32 scales add < 0.03 % and are neglected.
    """
    return BYTES_PER_ELEMENT[precision] + WEIGHT_SCALE_BYTES.get(precision, 0.0)
