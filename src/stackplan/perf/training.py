"""Training step time, FLOPs and memory of a transformer on a cluster: the vectorised model.

:func:`evaluate` takes a model, an accelerator and one or many parallel configurations (numpy
arrays, one element per configuration) and returns the step time with its breakdown, the model and
hardware FLOPs and the memory per device. The same code prices one configuration (a prediction) and
a hundred thousand (the search), with no Python loop over configurations.

Step time of one optimizer step (Narayanan et al. 2021, sec. 3; Korthikanti et al. 2022, sec. 5)::

    t_step = (1 + f_fw) * [ m * t_stage + (p - 1)/v * t_stage_avg + t_p2p + t_dp,exposed + t_opt ]

* ``t_stage`` is the forward + backward (+ recompute) time of one micro-batch on the busiest
  pipeline stage: the GEMMs of its layers (roofline over each GEMM shape, anchored on the chip's
  measured maximum achievable matmul efficiency, with tile quantisation and a fixed per-kernel
  cost), attention (fused or not), element-wise memory traffic, and the exposed tensor-, context-
  and expert-parallel communication.
* ``(p - 1)/v * t_stage`` is the pipeline bubble of the (interleaved) 1F1B schedule, bubble
  fraction ``(p-1)/(v m)`` (Narayanan et al. 2021, sec. 2.2).
* ``t_dp`` is the gradient all-reduce (or reduce-scatter + all-gather with a sharded optimizer),
  overlapped with the last micro-batch's backward pass when the software stack does so.
* ``t_opt`` is the memory-bound Adam update; ``f_fw`` the framework overhead fraction.

References: Narayanan et al., "Efficient Large-Scale Language Model Training on GPU Clusters Using
Megatron-LM", SC 2021 (arXiv:2104.04473). Korthikanti et al., "Reducing Activation Recomputation in
Large Transformer Models", MLSys 2023 (arXiv:2205.05198). Dao, "FlashAttention-2", 2023
(arXiv:2307.08691). Williams, Waterman, Patterson, "Roofline", CACM 2009.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

import numpy as np
from numpy.typing import ArrayLike, NDArray

from stackplan.catalog.accelerators import Accelerator
from stackplan.models.architecture import ModelArchitecture
from stackplan.perf import communication as comm
from stackplan.perf import memory as mem

__all__ = [
    "ATTENTION_BACKWARD_FORWARD_RATIO",
    "ATTENTION_REFERENCE_CHIP",
    "ATTENTION_TILE_TOKENS",
    "CAUSAL_WORK_FRACTION",
    "ELEMENTWISE_BACKWARD_FORWARD_RATIO",
    "EP_OVERLAP_RESIDUAL_FRACTION",
    "EXPERT_LOAD_IMBALANCE",
    "FLASH_ATTENTION_RELATIVE_EFFICIENCY",
    "FP8_MATMUL_RELATIVE_EFFICIENCY",
    "FRAMEWORK_OVERHEAD_FRACTION",
    "GEMM_TILES",
    "HOST_TIME_PER_FP8_GEMM_S",
    "HOST_TIME_PER_OP_S",
    "KERNEL_OVERHEAD_S",
    "KERNEL_SWEEP_MATMUL_EFFICIENCY",
    "LORA_TARGETS",
    "MEASURED_ATTENTION_TFLOPS",
    "OPTIMIZER_STEP_BYTES_PER_PARAM",
    "RECOMPUTE_CODES",
    "SOFTWARE_STACKS",
    "TP_OVERLAP_RESIDUAL_FRACTION",
    "Configs",
    "LoraTargets",
    "SoftwareStack",
    "StepArrays",
    "bubble_fraction",
    "compute_units",
    "evaluate",
    "flash_attention_relative_efficiency",
    "model_flops_per_token",
    "packed_attention_work_ratio",
    "single_gemm_time_s",
    "smooth_roofline",
]

FloatArray = NDArray[np.float64]
IntArray = NDArray[np.int64]
Precision = Literal["bf16", "fp8", "fp4"]
LoraTargets = Literal["all", "qkv"]

#: LoRA adapter placements [-]: ``all`` puts adapters on every attention and dense-MLP weight
#: (Hu et al. 2021 apply them to the attention projections; NeMo 2 / Megatron-Bridge default
#: ``linear_qkv, linear_proj, linear_fc1, linear_fc2``); ``qkv`` only on the fused QKV projection,
#: the NeMo 1.x default (``peft.lora_tuning.target_modules: ['attention_qkv']``, adapter_dim 32,
#: NVIDIA/NeMo examples/nlp/language_modeling/tuning/conf/megatron_gpt_finetuning_config.yaml),
#: which the NeMo 24.07 LoRA benchmarks ran.
LORA_TARGETS: tuple[str, ...] = ("all", "qkv")

# ---------------------------------------------------------------------------------------- constants
#: Fixed cost of every kernel on the critical path [s]: launch, prologue/epilogue and the last,
#: partly filled wave of thread blocks. A few microseconds on current GPUs (NVIDIA Nsight traces of
#: Megatron-LM layers show 2-6 us gaps per kernel; Calculon uses a comparable efficiency floor for
#: small GEMMs). Global calibration constant, the same for every chip.
KERNEL_OVERHEAD_S = 4e-6

#: Sustained matmul throughput inside a training step relative to the single-GEMM MAMF benchmark
#: [-]: under a whole step's load (all devices, HBM and links busy) clocks settle below the
#: benchmark's, and overlapped communication kernels take SMs. Global calibration constant, the
#: same for every chip and stack.
SUSTAINED_MATMUL_FRACTION = 0.8

#: Output tiles a tensor-core GEMM kernel may use, ``(rows, columns)`` [-]: cuBLAS/CUTLASS Hopper
#: kernels pick among 128x256, 128x128 and 64x128 CTA tiles by shape; the model takes whichever is
#: fastest for the shape (tile quantisation: dimensions are padded up to whole tiles, NVIDIA
#: "Matrix Multiplication Background User's Guide").
GEMM_TILES: tuple[tuple[int, int], ...] = ((128, 256), (128, 128), (64, 128))
#: Reduction-dimension granularity of a tile [-] (k is padded to whole 64-wide steps).
GEMM_TILE_K = 64

#: Streaming multiprocessors (or compute units) per device, over which output tiles are spread in
#: waves [-] (wave quantisation: a last, partly filled wave costs a whole wave; NVIDIA "Matrix
#: Multiplication Background User's Guide", sec. "Wave quantization"). From the vendors' data
#: sheets / whitepapers (H100 SXM 132 SMs, H800 132, H200 132, H200 NVL 132, H100 NVL 132, GH200 132, A100 108, B200 148 (2 x 74), B300 160,
#: GB200/GB300 148/160, RTX PRO 6000 Blackwell 188, L40S 142, L4 58, MI300X 304 CUs, MI325X 304, MI355X / MI350X 256, Gaudi 3 64 MMEs x TPC groups treated as 64).
#: Chips not listed use :data:`DEFAULT_COMPUTE_UNITS`.
COMPUTE_UNITS: dict[str, int] = {
    "a100-sxm-80gb": 108,
    "h100-sxm": 132,
    "h800": 132,
    "h200": 132,
    "h200-nvl": 132,
    "h100-nvl": 132,
    "gh200": 132,
    "b200": 148,
    "b300": 160,
    "gb200": 148,
    "gb300": 160,
    "rtx-pro-6000": 188,
    "l40s": 142,
    "l4": 58,
    "mi300x": 304,
    "mi325x": 304,
    "mi355x": 256,
    "mi350x": 256,
}
DEFAULT_COMPUTE_UNITS = 132

#: Output tiles times k-splits needed to saturate HBM bandwidth [-]: a GEMM with few output tiles
#: (small m and n) streams its weights through few SMs unless the kernel splits k; the achievable
#: bandwidth is ``BW * min(1, tiles * ceil(k / GEMM_SPLIT_K_CHUNK) / GEMM_BANDWIDTH_SATURATION_CTAS)``.
#: Fitted once on Stackplan's H100 SXM and H200 GEMM sweeps (validation/data/kernels/*_gemm.csv,
#: 1,152 GEMMs, m = 1..16,384; see docs/training-model.md "GEMM kernel model").
GEMM_BANDWIDTH_SATURATION_CTAS = 64
GEMM_SPLIT_K_CHUNK = 2048

#: Exponent of the smooth roofline ``(t_compute^p + t_memory^p)^(1/p)`` [-]: near the ridge point
#: neither the tensor cores nor the memory system run at full rate (p -> infinity is the hard
#: ``max`` roofline). Fitted on the same GEMM sweeps (p = 3: median |error| 5% vs 7% for the max).
GEMM_ROOFLINE_EXPONENT = 3.0

#: Large-GEMM efficiency (sustained TFLOP/s / dense peak) of a single back-to-back GEMM as measured
#: in Stackplan's kernel sweeps [-], fitted with the tile / wave / bandwidth model above: 0.71 on both
#: H100 SXM and H200 (large shapes m >= 4096 reach a median of 0.68 of peak, 0.70-0.72 at the best
#: tile fit; the 700 W power limit holds the clock below boost on long GEMMs). Used by
#: :func:`single_gemm_time_s` for the chips that have a sweep, instead of the catalogue MAMF
#: (794.5 of 989 TFLOPS = 0.803, a best-shape maximum, not the sustained rate).
KERNEL_SWEEP_MATMUL_EFFICIENCY: dict[str, float] = {"h100-sxm": 0.71, "h200": 0.71}

#: Host time to issue one fp8 GEMM (``torch._scaled_mm`` with its scale tensors) [s]: the floor of
#: the fp8 GEMM timings in the H100 sweep (16.2 us; H200 14.8 us), against 12.4 us for bf16.
HOST_TIME_PER_FP8_GEMM_S = 16.2e-6

#: fp8 matmul efficiency relative to the bf16 one [-]: median ratio of fp8 to bf16 TFLOP/s (per
#: unit of peak) over the same large shapes (m >= 4096) in Stackplan's kernel sweeps: 0.889 on
#: H100 SXM, 0.887 on H200 (validation/data/kernels/*_gemm.csv, PyTorch 2.11 / CUDA 13.0). Was 0.80
#: (H200 fp8 MAMF over H100 bf16 MAMF, stas00/ml-engineering) before the kernel sweeps.
FP8_MATMUL_RELATIVE_EFFICIENCY = 0.89

#: Host (CPU) time to issue one operation from a PyTorch eager training loop [s]: op dispatch plus
#: the CUDA launch. Measured as the floor of back-to-back GEMM timings in Stackplan's H100 sweep:
#: the smallest GEMMs (m <= 512 on 2048 x 2048 .. 8192 x 2048) all take 12.4-13.0 us whatever
#: their size (validation/data/kernels/h100-sxm_gemm.csv), i.e. the GPU waits for the host.
#: A kernel whose GPU time is shorter than this is host-bound when the host cannot run ahead.
HOST_TIME_PER_OP_S = 12.4e-6

#: Operations issued per transformer layer outside the GEMMs and attention, forward and backward
#: [-]: two norms, rotary embedding, two residual adds, activation, bias/dropout, four TP
#: collectives; the backward pass (autograd) about doubles them. Counted from a Megatron-Core
#: ``TransformerLayer`` with Transformer Engine modules.
DENSE_LAYER_OPS_FORWARD = 14
DENSE_LAYER_OPS_BACKWARD = 28

#: Operations per MoE layer for routing with the all-to-all token dispatcher, forward and backward
#: [-]: router GEMM, softmax/sigmoid, top-k, probability scatter, auxiliary load-balancing loss
#: (about eight reductions and products), token-count histogram and its all-to-all, index sort,
#: permutation gather, dispatch all-to-all, sort of the received chunks by local expert, and the
#: mirror image after the experts (unsort, combine all-to-all, weighted un-permutation). Counted
#: from Megatron-Core ``MoELayer``/``MoEAlltoAllTokenDispatcher``; backward about 1.5x.
MOE_ROUTING_OPS_FORWARD = 30
MOE_ROUTING_OPS_BACKWARD = 45

#: Fused (flash) attention forward + backward throughput measured in Stackplan's kernel sweeps
#: [TFLOP/s, causal FLOPs], by sequence length [tokens]: PyTorch 2.11
#: ``scaled_dot_product_attention`` (cuDNN / flash backend), bf16, head_dim 128, mean over 16, 32
#: and 64 heads, 16k tokens per call (validation/data/kernels/<chip>_attention.csv;
#: ``tests/unit/test_training_attention.py`` checks these against the files).
MEASURED_ATTENTION_TFLOPS: dict[str, dict[int, float]] = {
    "h100-sxm": {1024: 257.7, 2048: 358.1, 4096: 432.4, 8192: 495.2},
    "h200": {1024: 287.8, 2048: 376.9, 4096: 446.1, 8192: 493.6},
}

#: Chip whose measured attention curve stands for chips without a sweep [-]: its throughput relative
#: to its own single-GEMM sustained rate (:data:`KERNEL_SWEEP_MATMUL_EFFICIENCY`) is applied to the
#: other chip's GEMM rate (0.37 at 1k tokens, 0.52 at 2k, 0.62 at 4k, 0.71 at 8k).
ATTENTION_REFERENCE_CHIP = "h100-sxm"

#: Fused attention efficiency relative to large GEMMs for the 2023-2024 stacks [-]
#: (FlashAttention-2-class kernels: 50-73% of A100 peak forward, less backward; Dao 2023, sec.
#: 4.1; on H100 FlashAttention-2 reaches 35-50% of peak against 75% for FlashAttention-3, Shah et
#: al. 2024). Global calibration constant; stacks with ``measured_attention`` use the measured curve.
FLASH_ATTENTION_RELATIVE_EFFICIENCY = 0.5


def flash_attention_relative_efficiency(accelerator: Accelerator, seq_len: float) -> float:
    """Fused causal attention (forward + backward) throughput relative to large GEMMs [-].

    ``rel(s) = A_chip(s) / (P_bf16 e_sweep)``: the measured attention throughput at sequence length
    ``s`` (:data:`MEASURED_ATTENTION_TFLOPS`, linear in ``log2 s`` between the measured lengths,
    held constant outside 1k-8k) over the same chip's sustained single-GEMM rate
    (:data:`KERNEL_SWEEP_MATMUL_EFFICIENCY`). Chips without a sweep use the curve of
    :data:`ATTENTION_REFERENCE_CHIP`. Short sequences are slower (fewer key blocks per query tile,
    the causal diagonal tiles weigh more). In a step the attention then runs at
    ``P_bf16 e_step rel(s)``, i.e. with the same in-step/benchmark ratio as the GEMMs.
    """
    chip = accelerator.id if accelerator.id in MEASURED_ATTENTION_TFLOPS else ATTENTION_REFERENCE_CHIP
    table = MEASURED_ATTENTION_TFLOPS[chip]
    seqs = sorted(table)
    x = np.log2(np.clip(seq_len, seqs[0], seqs[-1]))
    tflops = float(np.interp(x, np.log2(np.array(seqs, dtype=np.float64)), [table[q] for q in seqs]))
    gemm_tflops = 989.0 * KERNEL_SWEEP_MATMUL_EFFICIENCY[chip]  # H100/H200 dense bf16 peak 989 TFLOPS
    return tflops / gemm_tflops


#: Backward-pass work of fused attention relative to its forward pass [-]: two GEMMs forward, five
#: backward including the recomputed score product (Dao 2023, sec. 3.1.2).
ATTENTION_BACKWARD_FORWARD_RATIO = 2.5

#: Share of the full score matrix a causal fused-attention kernel computes [-] (lower triangle plus
#: the diagonal tiles).
CAUSAL_WORK_FRACTION = 0.5

#: Query/key block of a fused-attention kernel [tokens]: FlashAttention-2 tiles the score matrix in
#: 128 x 128 blocks for head dim 128 (Dao 2023, sec. 3.3); a causal (or document-masked) kernel
#: computes every block that touches the lower triangle, diagonal blocks in full.
ATTENTION_TILE_TOKENS = 128


def packed_attention_work_ratio(document_tokens: float, seq_len: float) -> float:
    """Causal attention work with documents of ``document_tokens`` packed into ``seq_len`` [-].

    Relative to one causal document of ``seq_len`` tokens. Document-masked attention
    (FlashAttention varlen, ``cu_seqlens``) computes, per document of ``L`` tokens, the
    ``n (n + 1) / 2`` blocks of ``t x t`` elements on or below the diagonal (``n = ceil(L / t)``,
    ``t`` = :data:`ATTENTION_TILE_TOKENS`), so the work per query token is
    ``W(L) = n (n + 1) t^2 / (2 L)`` and the ratio is ``W(min(L, s)) / W(s)``. For 200-token
    documents in 4,096-token sequences: 0.116 (the untiled ratio ``L / s`` would be 0.049).
    """
    t = float(ATTENTION_TILE_TOKENS)

    def work(length: float) -> float:
        n = math.ceil(length / t)
        return n * (n + 1) * t * t / (2.0 * length)

    return work(min(float(document_tokens), float(seq_len))) / work(float(seq_len))


#: Memory traffic of the element-wise kernels in the backward pass relative to the forward pass
#: [-]: each backward kernel reads the saved input and the incoming gradient and writes a gradient.
ELEMENTWISE_BACKWARD_FORWARD_RATIO = 2.0

#: Element-wise kernels per layer and micro-batch, forward and backward [-] (norms, residual adds,
#: activation, bias/dropout; Megatron-LM fused kernels).
ELEMENTWISE_KERNELS_FORWARD = 6
ELEMENTWISE_KERNELS_BACKWARD = 8

#: Bytes moved per attention-score element by an unfused attention (score GEMM write, fused
#: scale-mask-softmax read+write, AV read; dropout adds a read, a write and a 1-byte mask) [B],
#: forward and backward (dP write, dropout and softmax backward, three GEMM reads).
UNFUSED_SCORE_BYTES_FORWARD = 8.0
UNFUSED_SCORE_BYTES_FORWARD_DROPOUT = 5.0
UNFUSED_SCORE_BYTES_BACKWARD = 14.0
UNFUSED_SCORE_BYTES_BACKWARD_DROPOUT = 5.0

#: Bytes per parameter the Adam step reads and writes [B]: fp32 gradient, master weight, momentum
#: and variance read and written (4 + 3 x 8), bf16 weight written (2), gradient-norm pass (4).
OPTIMIZER_STEP_BYTES_PER_PARAM = 34.0

#: Busiest expert's tokens relative to the mean [-]: auxiliary-loss-balanced routers keep the
#: load within a capacity factor of 1.0-1.25 (Fedus et al. 2022, Switch Transformers, sec. 2.2).
EXPERT_LOAD_IMBALANCE = 1.15

#: Residual share of tensor-parallel communication that stays exposed when it is overlapped with
#: GEMMs (first/last chunk of the pipelined GEMM, SMs taken by communication kernels) [-]
#: (Wang et al. 2023, "Overlap communication with dependent computation", ASPLOS; NVIDIA
#: Transformer Engine userbuffers).
TP_OVERLAP_RESIDUAL_FRACTION = 0.25

#: Residual share of overlapped expert-parallel all-to-all that stays exposed [-] (SMs given to
#: communication kernels: DeepSeek-V3 dedicates 20 of 132 H800 SMs to it, sec. 3.2.2).
EP_OVERLAP_RESIDUAL_FRACTION = 0.15

#: Share of the data-parallel gradient reduction that cannot be hidden behind the backward pass
#: even when overlapped (the last bucket) [-] (Li et al. 2020, "PyTorch Distributed", VLDB, sec. 5).
DP_OVERLAP_RESIDUAL_FRACTION = 0.1

#: Parameters per data-parallel communication bucket [-] (Megatron-Core DDP bucket size
#: ``max(40M, 1M x dp)`` parameters; each bucket is one collective and pays its latency).
DP_BUCKET_PARAMS = 40e6

#: Framework overhead [-]: data loading, host-side scheduling, logging, loss-scale and
#: synchronisation points, as a fraction of the step. Global calibration constant.
FRAMEWORK_OVERHEAD_FRACTION = 0.03

#: Recompute option -> code used in the arrays.
#: ``block``: full recomputation of only as many whole layers per pipeline stage as needed to fit in
#: memory (Megatron-Core ``recompute_method=block``, ``recompute_num_layers``).
RECOMPUTE_CODES: dict[str, int] = {"none": 0, "selective": 1, "full": 2, "block": 3}


@dataclass(frozen=True, kw_only=True)
class SoftwareStack:
    """Features of the training framework that change the time model.

    Attributes
    ----------
    name
        Preset id.
    flash_attention
        Fused attention (no ``s^2`` score tensors in memory or traffic).
    tp_comm_overlap
        Tensor-parallel collectives overlapped with the GEMMs (Transformer Engine userbuffers).
    dp_overlap
        Data-parallel gradient reduction overlapped with the backward pass.
    p2p_overlap
        Pipeline sends overlapped with compute.
    ep_overlap
        Expert-parallel all-to-all overlapped with the computation of another micro-batch
        (DeepSeek DualPipe, arXiv:2412.19437 sec. 3.2.1; Megatron-Core
        ``overlap_moe_expert_parallel_comm``): only the part longer than the overlapped compute and
        :data:`EP_OVERLAP_RESIDUAL_FRACTION` of it stay exposed.
    bidirectional_pipeline
        DualPipe's bidirectional schedule: micro-batches are fed from both ends of the pipeline,
        so the bubble is ``(p/2 - 1)`` stage-times instead of ``p - 1`` (DeepSeek-V3 Table 2).
    moe_host_sync
        Each MoE layer synchronises host and device: the all-to-all token dispatcher copies the
        per-expert token counts to the host to size the all-to-all and the grouped GEMM
        (Megatron-Core ``MoEAlltoAllTokenDispatcher`` without CUDA graphs), and the grouped expert
        GEMM is issued as one GEMM per local expert (Transformer Engine ``GroupedLinear``). After the
        sync the host cannot run ahead, so every kernel of the MoE layer costs at least
        :data:`HOST_TIME_PER_OP_S` (the CPU-bound regime of fine-grained MoE: arXiv:2603.07685,
        "Compute wall: small per-expert GEMMs, many kernel launches, host-boundedness").
    measured_attention
        Fused attention at the throughput of current (2025+) kernels, measured in Stackplan's
        sweeps (:func:`flash_attention_relative_efficiency`: cuDNN / FlashAttention-3-class,
        0.62-0.71 of the GEMM rate at 4k-8k tokens on H100); otherwise the FlashAttention-2-class
        ratio :data:`FLASH_ATTENTION_RELATIVE_EFFICIENCY` (0.5) of the 2023-2024 stacks.
    dropout
        Dropout layers present (their masks are stored and moved).
    grad_comm_bytes
        Bytes per gradient element in the data-parallel reduction [B].
    description
        What the preset stands for, with its source.
    """

    name: str
    flash_attention: bool
    tp_comm_overlap: bool
    dp_overlap: bool
    p2p_overlap: bool
    dropout: bool
    ep_overlap: bool = False
    bidirectional_pipeline: bool = False
    moe_host_sync: bool = False
    measured_attention: bool = False
    grad_comm_bytes: float
    description: str


#: Software-stack presets. ``megatron-core`` is the default: a current Megatron-Core / NeMo /
#: TorchTitan-class stack.
SOFTWARE_STACKS: dict[str, SoftwareStack] = {
    "megatron-lm-2021": SoftwareStack(
        name="megatron-lm-2021",
        flash_attention=False,
        tp_comm_overlap=False,
        dp_overlap=False,
        p2p_overlap=False,
        dropout=True,
        grad_comm_bytes=4.0,
        description=(
            "Megatron-LM as used by Narayanan et al. 2021 and Korthikanti et al. 2022: unfused "
            "softmax attention, dropout, blocking TP all-reduce / SP collectives, fp32 gradient "
            "all-reduce after the backward pass"
        ),
    ),
    "megatron-core": SoftwareStack(
        name="megatron-core",
        flash_attention=True,
        tp_comm_overlap=True,
        dp_overlap=True,
        p2p_overlap=True,
        dropout=False,
        grad_comm_bytes=2.0,
        moe_host_sync=True,
        description=(
            "Megatron-Core / NeMo 2024+ with Transformer Engine: fused attention, TP communication "
            "overlap, distributed optimizer with overlapped bf16 gradient reduce-scatter and "
            "parameter all-gather, no dropout; MoE with the all-to-all dispatcher (host sync per "
            "MoE layer, one GEMM launch per local expert)"
        ),
    ),
    "megatron-core-2025": SoftwareStack(
        name="megatron-core-2025",
        flash_attention=True,
        tp_comm_overlap=True,
        dp_overlap=True,
        p2p_overlap=True,
        dropout=False,
        grad_comm_bytes=2.0,
        moe_host_sync=True,
        measured_attention=True,
        description=(
            "Megatron-Core / Megatron-Bridge 2025 (NeMo 25.x containers, Transformer Engine 2.x): as "
            "megatron-core, with the current cuDNN fused-attention kernels (attention throughput from "
            "Stackplan's H100/H200 sweeps, PyTorch 2.11 / CUDA 13)"
        ),
    ),
    "deepseek-dualpipe": SoftwareStack(
        name="deepseek-dualpipe",
        flash_attention=True,
        tp_comm_overlap=True,
        dp_overlap=True,
        p2p_overlap=True,
        dropout=False,
        grad_comm_bytes=2.0,
        ep_overlap=True,
        bidirectional_pipeline=True,
        description=(
            "DeepSeek HAI-LLM with DualPipe (DeepSeek-V3 technical report, arXiv:2412.19437 sec. "
            "3.2): bidirectional pipeline with the expert all-to-all of one micro-batch overlapped "
            "with the computation of another, fused attention, overlapped ZeRO-1 gradient reduction"
        ),
    ),
}


@dataclass(frozen=True, kw_only=True)
class Configs:
    """Parallel configurations, one element per configuration (int64 arrays of equal length).

    ``tp, pp, dp, cp, ep`` parallel degrees; ``v`` virtual pipeline stages per device; ``b``
    micro-batch size [sequences]; ``rc`` recompute code (:data:`RECOMPUTE_CODES`); ``zero`` ZeRO
    stage 0-3; ``sp`` sequence parallelism (0/1).
    """

    tp: IntArray
    pp: IntArray
    dp: IntArray
    cp: IntArray
    ep: IntArray
    v: IntArray
    b: IntArray
    rc: IntArray
    zero: IntArray
    sp: IntArray

    @property
    def size(self) -> int:
        return int(self.tp.size)

    def take(self, index: IntArray | int) -> Configs:
        """The configurations at ``index``."""
        idx = np.atleast_1d(np.asarray(index))
        return Configs(**{k: getattr(self, k)[idx] for k in self.__dataclass_fields__})


@dataclass(frozen=True, kw_only=True)
class StepArrays:
    """Results of :func:`evaluate`, one element per configuration.

    Times are per optimizer step [s]; memory per device [B]; FLOPs per step [FLOP]. With
    ``evaluate(..., only_fitting=True)`` the times are NaN where ``fits`` is false.
    """

    step_time_s: FloatArray
    compute_s: FloatArray
    tp_comm_s: FloatArray
    cp_comm_s: FloatArray
    ep_comm_s: FloatArray
    bubble_s: FloatArray
    p2p_s: FloatArray
    dp_comm_s: FloatArray
    optimizer_s: FloatArray
    overhead_s: FloatArray
    weights_bytes: FloatArray
    grads_bytes: FloatArray
    optimizer_bytes: FloatArray
    activations_bytes: FloatArray
    other_bytes: FloatArray
    memory_bytes: FloatArray
    fits: NDArray[np.bool_]
    model_flops_per_step: float
    hardware_flops_per_step: FloatArray
    microbatches: IntArray


# ---------------------------------------------------------------------------------------- helpers
def bubble_fraction(pp: ArrayLike, v: ArrayLike, m: ArrayLike) -> FloatArray:
    """Pipeline bubble relative to the ideal (bubble-free) time [-]: ``(p - 1) / (v m)``.

    ``p`` pipeline stages, ``v`` interleaved chunks per device, ``m`` micro-batches per step
    (Narayanan et al. 2021, sec. 2.2.1-2.2.2).
    """
    p = np.asarray(pp, dtype=np.float64)
    out: FloatArray = (p - 1.0) / (np.asarray(v, dtype=np.float64) * np.asarray(m, dtype=np.float64))
    return out


def smooth_roofline(t_memory: ArrayLike, t_compute: ArrayLike) -> FloatArray:
    """Time of a GEMM that streams for ``t_memory`` and computes for ``t_compute`` [s].

    ``(t_m^p + t_c^p)^(1/p)`` with ``p =`` :data:`GEMM_ROOFLINE_EXPONENT` ``= 3``: near the ridge
    point neither the tensor cores nor HBM run at their full rate, so the GEMM takes longer than the
    hard ``max(t_m, t_c)`` roofline says (``2^(1/3) = 1.26`` times at the ridge, under 2 % once one
    term is 3x the other). Used by the training kernel model (:func:`_gemm_time_s`) and by the
    serving iteration (:func:`stackplan.perf.inference_model.iteration_time_s`).
    """
    a = np.asarray(t_memory, dtype=np.float64)
    b = np.asarray(t_compute, dtype=np.float64)
    pw = GEMM_ROOFLINE_EXPONENT
    # the fitted exponent is 3: a cube root is much cheaper than a float power
    out: FloatArray = np.cbrt(a * a * a + b * b * b) if pw == 3.0 else (a**pw + b**pw) ** (1.0 / pw)
    return out


def _gemm_time_s(
    m: FloatArray | float,
    n: FloatArray | float,
    k: FloatArray | float,
    *,
    peak_flops: float,
    efficiency: float,
    bytes_in: float,
    hbm_bytes_per_s: float,
    count: FloatArray | float = 1.0,
    units: int = DEFAULT_COMPUTE_UNITS,
) -> FloatArray:
    """Time of ``count`` GEMMs ``(m x k) @ (k x n)`` issued as one (grouped) kernel [s].

    Smooth roofline (Williams et al. 2009) over tiles and waves, the fastest of the
    :data:`GEMM_TILES` (cuBLAS picks its tile by shape)::

        t_c = 2 m' n' k' count / (P e) * (waves * units) / tiles      (tile + wave quantisation)
        t_m = bytes count / (BW min(1, tiles ceil(k/2048) / 64))        (few tiles: HBM not saturated)
        t   = (t_c^3 + t_m^3)^(1/3) + t_kernel

    ``m', n', k'`` are padded to whole tiles, ``tiles = count ceil(m/tm) ceil(n/tn)``,
    ``waves = ceil(tiles / units)`` over the device's ``units`` SMs, ``P e`` the peak times the
    matmul efficiency, ``bytes`` the operands read (``bytes_in`` per element) and the bf16 result
    written. Constants fitted on the H100/H200 GEMM sweeps (module constants above).
    """
    ma, na, ka = (
        np.asarray(m, dtype=np.float64),
        np.asarray(n, dtype=np.float64),
        np.asarray(k, dtype=np.float64),
    )
    cnt = np.asarray(count, dtype=np.float64)
    kp = np.ceil(ka / GEMM_TILE_K) * GEMM_TILE_K
    traffic = cnt * (bytes_in * (ma * ka + ka * na) + 2.0 * ma * na)
    splits = np.ceil(ka / GEMM_SPLIT_K_CHUNK)
    rate = peak_flops * efficiency
    best: FloatArray | None = None
    for tm, tn in GEMM_TILES:
        tiles = cnt * np.ceil(ma / tm) * np.ceil(na / tn)
        waves = np.ceil(tiles / units)
        # 2 m' n' k' count / rate * (waves units / tiles) with tiles = count (m'/tm) (n'/tn)
        t_c = (2.0 * tm * tn * units / rate) * kp * waves
        bw = hbm_bytes_per_s * np.minimum(1.0, tiles * splits / GEMM_BANDWIDTH_SATURATION_CTAS)
        t_m = traffic / bw
        t = smooth_roofline(t_m, t_c)
        best = t if best is None else np.minimum(best, t)
    assert best is not None
    out: FloatArray = best + KERNEL_OVERHEAD_S
    return out


def compute_units(accelerator: Accelerator) -> int:
    """SMs / compute units of ``accelerator`` over which GEMM tiles run in waves [-]."""
    return COMPUTE_UNITS.get(accelerator.id, DEFAULT_COMPUTE_UNITS)


def single_gemm_time_s(
    m: ArrayLike, n: ArrayLike, k: ArrayLike, *, accelerator: Accelerator, precision: Precision = "bf16"
) -> FloatArray:
    """Time of one isolated GEMM ``(m x k) @ (k x n)`` issued back to back from PyTorch [s].

    The kernel model of :func:`evaluate` on its own: ``max(t_gemm, t_host)`` with ``t_gemm`` from
    :func:`_gemm_time_s` (tiles, waves, bandwidth saturation, smooth roofline) at the chip's
    single-GEMM sustained efficiency (:data:`KERNEL_SWEEP_MATMUL_EFFICIENCY` where Stackplan has a
    sweep, else the catalogue MAMF / peak; times :data:`FP8_MATMUL_RELATIVE_EFFICIENCY` for fp8)
    and ``t_host`` the host issue time (:data:`HOST_TIME_PER_OP_S`, fp8
    :data:`HOST_TIME_PER_FP8_GEMM_S`). No :data:`SUSTAINED_MATMUL_FRACTION`: a single-GEMM benchmark
    has no communication or whole-step load. Checked against the kernel sweeps
    (``tests/validation/test_kernel_gemm_validation.py``).
    """
    acc = accelerator
    low = precision != "bf16" and acc.supports(precision)
    base = KERNEL_SWEEP_MATMUL_EFFICIENCY.get(acc.id, acc.matmul_efficiency)
    eff = base * (FP8_MATMUL_RELATIVE_EFFICIENCY if low else 1.0)
    t = _gemm_time_s(
        np.asarray(m, dtype=np.float64),
        np.asarray(n, dtype=np.float64),
        np.asarray(k, dtype=np.float64),
        peak_flops=acc.peak_tflops(precision) * 1e12,
        efficiency=eff,
        bytes_in=1.0 if low else 2.0,
        hbm_bytes_per_s=acc.hbm_bandwidth_tb_s * 1e12 * acc.memory_bandwidth_efficiency,
        units=compute_units(acc),
    )
    out: FloatArray = np.maximum(t, HOST_TIME_PER_FP8_GEMM_S if low else HOST_TIME_PER_OP_S)
    return out


@dataclass(frozen=True)
class _Gemm:
    """A weight GEMM of a layer: output width ``n``, reduction ``k``, which one TP splits."""

    n: int
    k: int
    split: Literal["n", "k", "none"]


def model_flops_per_token(
    model: ModelArchitecture, seq_len: int, *, lora_rank: int = 0, lora_targets: LoraTargets = "all"
) -> float:
    """Model FLOPs per trained token [FLOP].

    Full training: ``3 (2 N_matmul + A)`` (:meth:`ModelArchitecture.model_flops_per_token_training`).
    LoRA (rank ``r > 0``): the frozen weights get no weight-gradient GEMM, so ``2 N_matmul`` drops
    out (``4 N_matmul + 3 A``, about 2/3 of full training), and the adapters (rank ``r`` on each
    attention and dense-MLP weight GEMM) add ``6 r (n + k)`` per adapted ``n x k`` weight (Hu et al.
    2021, arXiv:2106.09685). ``lora_targets="qkv"``: adapters on the fused QKV projection only
    (:data:`LORA_TARGETS`).
    """
    full = model.model_flops_per_token_training(seq_len)
    if lora_rank <= 0:
        return full
    attn_g, mlp_g = _lora_target_gemms(model, lora_targets)
    attn = sum(g.n + g.k for g in attn_g)
    mlp = sum(g.n + g.k for g in mlp_g)
    adapters = lora_rank * (model.layers * attn + model.dense_layers * mlp)
    return full - 2.0 * model.matmul_params_active + 6.0 * adapters


def _attention_gemms(model: ModelArchitecture) -> list[_Gemm]:
    d = model.hidden_size
    if model.mla is not None:
        a = model.mla
        qk = a.qk_nope_head_dim + a.qk_rope_head_dim
        out: list[_Gemm] = []
        if a.q_lora_rank:
            out += [_Gemm(a.q_lora_rank, d, "none"), _Gemm(model.heads * qk, a.q_lora_rank, "n")]
        else:
            out.append(_Gemm(model.heads * qk, d, "n"))
        out += [
            _Gemm(a.kv_lora_rank + a.qk_rope_head_dim, d, "none"),
            _Gemm(model.heads * (a.qk_nope_head_dim + a.v_head_dim), a.kv_lora_rank, "n"),
            _Gemm(d, model.heads * a.v_head_dim, "k"),
        ]
        return out
    qkv = (model.heads + 2 * model.kv_heads) * model.head_dim
    return [_Gemm(qkv, d, "n"), _Gemm(d, model.heads * model.head_dim, "k")]


def _mlp_gemms(model: ModelArchitecture, ffn: int) -> list[_Gemm]:
    up = 2 if model.mlp == "gated" else 1
    return [_Gemm(up * ffn, model.hidden_size, "n"), _Gemm(model.hidden_size, ffn, "k")]


def _lora_target_gemms(model: ModelArchitecture, targets: LoraTargets) -> tuple[list[_Gemm], list[_Gemm]]:
    """(attention, dense-MLP) weight GEMMs that carry LoRA adapters for ``targets``."""
    attn, mlp = _attention_gemms(model), _mlp_gemms(model, model.ffn_hidden_size)
    if targets == "qkv":
        # the query/key/value projections: the fused QKV GEMM, or MLA's query and KV projections
        return [g for g in attn if g.split != "k"], []
    return attn, mlp


def _gemms_time_s(
    gemms: list[_Gemm],
    tokens: FloatArray,
    tp: FloatArray,
    *,
    peak_flops: float,
    efficiency: float,
    bytes_in: float,
    hbm: float,
    count: FloatArray | float = 1.0,
    units: int = DEFAULT_COMPUTE_UNITS,
) -> FloatArray:
    total = np.zeros_like(tokens)
    for g in gemms:
        n = g.n / tp if g.split == "n" else np.full_like(tp, float(g.n))
        k = g.k / tp if g.split == "k" else np.full_like(tp, float(g.k))
        total = total + _gemm_time_s(
            tokens,
            n,
            k,
            peak_flops=peak_flops,
            efficiency=efficiency,
            bytes_in=bytes_in,
            hbm_bytes_per_s=hbm,
            count=count,
            units=units,
        )
    return total


@dataclass(frozen=True)
class _Shapes:
    """Distinct GEMM shapes: ``first`` index of each, ``inverse`` maps each configuration to its shape."""

    first: IntArray
    inverse: IntArray


def _distinct_shapes(configs: Configs, keep: IntArray | None) -> _Shapes | None:
    """The distinct ``(b, cp, tp, ep)`` rows of ``configs`` (those at ``keep``, if given).

    ``None`` when there are none, or when the packed integer key of a row could overflow.
    """
    cols = [configs.b, configs.cp, configs.tp, configs.ep]
    if keep is not None:
        cols = [c[keep] for c in cols]
    if cols[0].size == 0:
        return None
    key = np.zeros_like(cols[0])
    span = 1
    for c in cols:
        lo = int(c.min())
        radix = int(c.max()) - lo + 1
        span *= radix
        if span >= 2**62:
            return None
        key = key * radix + (c - lo)
    _, first, inverse = np.unique(key, return_index=True, return_inverse=True)
    return _Shapes(first=first.astype(np.int64), inverse=inverse.reshape(-1).astype(np.int64))


def _params_split(model: ModelArchitecture) -> tuple[float, float, float, float]:
    """(attention, dense MLP, expert-all, shared+router) parameters per layer of each kind [-]."""
    attn = float(model.attention_params_per_layer)
    dense_mlp = float(model.dense_mlp_params_per_layer)
    if model.moe is None:
        return attn, dense_mlp, 0.0, 0.0
    m = model.moe
    experts = float(m.experts * model.expert_params)
    shared = float(m.shared_experts * model.expert_params + model.hidden_size * m.experts + model.hidden_size)
    return attn, dense_mlp, experts, shared


# ---------------------------------------------------------------------------------------- evaluate
def evaluate(
    model: ModelArchitecture,
    accelerator: Accelerator,
    configs: Configs,
    *,
    seq_len: int,
    global_batch_seqs: int,
    precision: Precision = "bf16",
    stack: SoftwareStack | None = None,
    lora_rank: int = 0,
    lora_targets: LoraTargets = "all",
    document_tokens: int | None = None,
    only_fitting: bool = False,
) -> StepArrays:
    """Step time, FLOPs and memory of every configuration in ``configs`` (vectorised).

    Parameters
    ----------
    model
        The transformer.
    accelerator
        The device; the cluster is ``tp * pp * dp * cp`` of them, in scale-up domains of
        ``accelerator.scaleup_domain_size``.
    configs
        Parallel configurations (validated by the caller: divisibility is not checked here).
    seq_len
        Sequence length ``s`` [tokens].
    global_batch_seqs
        Global batch ``B`` [sequences]; micro-batches per step ``m = B / (dp * b)``.
    precision
        GEMM precision of the transformer blocks: bf16, fp8 or fp4 (master weights, optimizer and
        attention stay in bf16/fp32).
    stack
        Software-stack features (default: :data:`SOFTWARE_STACKS` ``["megatron-core"]``).
    lora_rank
        0 for full training; ``r > 0`` for LoRA fine-tuning (Hu et al. 2021, arXiv:2106.09685)
        with rank-``r`` adapters on every attention and dense-MLP weight GEMM: the base weights
        are frozen, so the backward pass computes activation gradients but no weight gradients
        (backward GEMMs = 1x forward instead of 2x; ~2/3 of the full-training FLOPs), and only the
        adapters have gradients, optimizer states, gradient reduction and an optimizer step.
    lora_targets
        Which weights carry adapters (:data:`LORA_TARGETS`). A frozen weight without an adapter needs
        no weight gradient, so the input of its GEMM is not kept for the backward pass (Transformer
        Engine saves a linear layer's input only when its weight requires a gradient): with ``qkv``
        the MLP input and the activation output are not stored.
    document_tokens
        Mean length of the documents packed into each sequence [tokens] (``None``: one document per
        sequence). Packed fine-tuning sequences use document-masked attention (FlashAttention
        varlen, ``cu_seqlens``), so each query attends only within its document: the attention-core
        time per token scales with ``min(document, s)``, not ``s``. Model FLOPs keep the
        full-sequence convention.
    only_fitting
        Price the step time only of the configurations that fit in memory: memory, ``fits``,
        micro-batches and FLOPs stay computed for every configuration, the time arrays hold NaN
        where a configuration does not fit. The values computed are identical to those of a full
        evaluation (the memory model needs no time term; the time model is element-wise), at a
        fraction of the cost when few fit; :func:`~stackplan.perf.search.search` uses it.

    Returns
    -------
    StepArrays
        Step time with its breakdown [s], memory per device with its breakdown [B], model and
        hardware FLOPs per step [FLOP]. Equations in the module docstring.
    """
    st = stack or SOFTWARE_STACKS["megatron-core"]
    acc = accelerator
    f64 = np.float64
    tp = configs.tp.astype(f64)
    pp = configs.pp.astype(f64)
    dp = configs.dp.astype(f64)
    cp = configs.cp.astype(f64)
    ep = configs.ep.astype(f64)
    v = configs.v.astype(f64)
    b = configs.b.astype(f64)
    rc = configs.rc
    zero = configs.zero
    sp = configs.sp.astype(bool)
    s = float(seq_len)
    m = np.maximum(global_batch_seqs // (configs.dp * configs.b), 1)
    mf = m.astype(f64)

    d = model.hidden_size
    L = model.layers
    domain = acc.scaleup_domain_size
    hbm = acc.hbm_bandwidth_tb_s * 1e12 * acc.memory_bandwidth_efficiency
    cu = compute_units(acc)
    bf16_peak = acc.peak_tflops_bf16 * 1e12
    eff = acc.matmul_efficiency * SUSTAINED_MATMUL_FRACTION
    block_peak = acc.peak_tflops(precision) * 1e12
    low_precision = precision != "bf16" and acc.supports(precision)
    block_eff = eff * (FP8_MATMUL_RELATIVE_EFFICIENCY if low_precision else 1.0)
    block_bytes_in = 1.0 if low_precision else 2.0
    ab = mem.ACTIVATION_BYTES

    tokens = b * s / cp  # tokens of one micro-batch on one device (before SP sharding)
    sp_div = np.where(sp, tp, 1.0)

    moe = model.moe
    lora = lora_rank > 0
    lora_attn_targets, lora_mlp_targets = _lora_target_gemms(model, lora_targets)
    qk, vd = model.qk_head_dim, model.v_head_dim
    up = 2 if model.mlp == "gated" else 1

    n_dense, n_moe = float(model.dense_layers), float(model.moe_layers)
    # layers on the busiest pipeline stage (uneven splits round up)
    layers_busy = np.ceil(L / (pp * v)) * v
    frac_dense = n_dense / L
    busy_dense, busy_moe = layers_busy * frac_dense, layers_busy * (1.0 - frac_dense)
    avg_dense, avg_moe = n_dense / pp, n_moe / pp

    # ---------------------------------------------------------------- parameters on the busiest device
    attn_p, dense_mlp_p, experts_p, shared_p = _params_split(model)
    emb = float(model.embedding_params)
    head_p = float(model.vocab_size * d) if model.tied_embeddings else float(model.head_params)
    emb_dev = np.where(pp > 1, max(emb, head_p), emb + float(model.head_params)) / tp
    nonexpert_dev = busy_dense * (attn_p + dense_mlp_p) / tp + busy_moe * (attn_p + shared_p) / tp + emb_dev
    expert_dev = busy_moe * experts_p / (tp * ep)
    lora_attn_p = float(lora_rank * sum(gm.n + gm.k for gm in lora_attn_targets))
    lora_mlp_p = float(lora_rank * sum(gm.n + gm.k for gm in lora_mlp_targets))
    adapter_dev = (busy_dense * (lora_attn_p + lora_mlp_p) + busy_moe * lora_attn_p) / tp
    # parameters with gradients and optimizer states on the device
    ne_train = adapter_dev if lora else nonexpert_dev
    ex_train = np.zeros_like(expert_dev) if lora else expert_dev
    dp_group = dp * cp
    exp_group = np.maximum(dp_group / ep, 1.0)

    # ---------------------------------------------------------------- memory per device
    gb = st.grad_comm_bytes  # the gradient buffer holds the dtype the gradients are reduced in
    w_ne, g_ne, o_ne = mem.model_state_bytes(nonexpert_dev, dp_group, zero, fp8=low_precision, grad_bytes=gb)
    w_ex, g_ex, o_ex = mem.model_state_bytes(expert_dev, exp_group, zero, fp8=low_precision, grad_bytes=gb)
    weights_b, grads_b, optim_b = w_ne + w_ex, g_ne + g_ex, o_ne + o_ex
    if lora:  # frozen base: weights only; the adapters carry gradients and optimizer states
        w_ad, g_ad, o_ad = mem.model_state_bytes(adapter_dev, dp_group, zero, grad_bytes=gb)
        weights_b, grads_b, optim_b = weights_b + w_ad, g_ad, o_ad

    q_w = model.heads * qk
    k_w = model.heads * qk if model.mla is not None else model.kv_heads * qk
    v_w = model.heads * vd if model.mla is not None else model.kv_heads * vd
    o_w = model.heads * vd

    # frozen MLP weights without adapters keep neither the MLP input nor the FC2 input (LoRA)
    frozen_mlp = lora and not lora_mlp_targets

    def act(width: float, recomp: IntArray, *, frozen: bool = False) -> FloatArray:
        """Activation bytes of one layer and micro-batch, with or without sequence parallelism."""
        both = [
            mem.activation_bytes_per_layer(
                tokens=tokens,
                hidden=d,
                q_width=q_w,
                k_width=k_w,
                v_width=v_w,
                attn_out_width=o_w,
                score_elements_per_token=model.heads * s,
                mlp_stored_width=width,
                tp=tp,
                recompute=recomp,
                sequence_parallel=flag,
                dropout=st.dropout,
                flash_attention=st.flash_attention,
                frozen_mlp_input=frozen,
            )
            for flag in (True, False)
        ]
        return np.where(sp, both[0], both[1])

    dense_stored = float((up + 1) * model.ffn_hidden_size)  # plain: act in + out (2f); gated: gate, up, out
    if frozen_mlp:
        dense_stored -= float(model.ffn_hidden_size)  # the activation output only feeds the frozen FC2
    moe_stored = 0.0
    if moe is not None:
        moe_stored = moe.active_experts * (d + (up + 1) * moe.expert_ffn_hidden_size) * EXPERT_LOAD_IMBALANCE
        moe_stored += moe.shared_experts * (up + 1) * moe.expert_ffn_hidden_size
    inflight = mem.inflight_microbatches(configs.pp, configs.v, m)
    logits_bytes = tokens * model.vocab_size / tp * (2.0 + 4.0 + 4.0)  # bf16 logits, fp32 softmax + grad
    states = weights_b + grads_b + optim_b
    cap = acc.hbm_gb * 1e9
    # working set of the layer being recomputed and back-propagated under recomputation
    working_layer = act(dense_stored, np.zeros_like(rc), frozen=frozen_mlp)

    def activations(code: IntArray) -> FloatArray:
        """Activation bytes on the busiest device (first stage in flight, or last with logits)."""
        per_mb_stage = busy_dense * act(dense_stored, code, frozen=frozen_mlp)
        if moe is not None:
            per_mb_stage = per_mb_stage + busy_moe * act(float(moe_stored), code)
        first = per_mb_stage * inflight
        last = per_mb_stage + logits_bytes
        out: FloatArray = np.where(pp > 1, np.maximum(first, last), per_mb_stage + logits_bytes)
        return out

    def total(acts_b: FloatArray, working_b: FloatArray) -> FloatArray:
        return (1.0 + mem.FRAGMENTATION_FRACTION) * (states + acts_b + working_b) + mem.RESERVED_BYTES

    # block recompute (rc 3): full recomputation of the fewest whole layers per stage that fit
    # (Megatron-Core recompute_method=block, recompute_num_layers); memory is linear in that count
    acts_none = activations(np.zeros_like(rc))
    acts_full = activations(np.full_like(rc, 2))
    mem_none = total(acts_none, working_layer)  # with the working set of the first recomputed layer
    mem_full = total(acts_full, working_layer)
    need = np.clip((mem_none - cap) / np.maximum(mem_none - mem_full, 1.0), 0.0, 1.0)
    block_frac = np.ceil(need * layers_busy - 1e-9) / layers_busy
    recomputed = np.where(
        rc == 2, 1.0, np.where(rc == 3, block_frac, 0.0)
    )  # share of layers fully recomputed
    acts = np.where(
        rc == 3, acts_none - block_frac * (acts_none - acts_full), activations(np.where(rc == 3, 0, rc))
    )
    working = np.where((rc == 1) | (recomputed > 0), working_layer, 0.0)
    live = states + acts + working
    other = working + mem.FRAGMENTATION_FRACTION * live + mem.RESERVED_BYTES
    total_mem = total(acts, working)
    fits = total_mem <= cap

    # ---------------------------------------------------------------- FLOPs (every configuration)
    tokens_step = float(global_batch_seqs) * s
    model_flops = tokens_step * model_flops_per_token(model, seq_len, lora_rank=lora_rank)
    attn_fwd_tok = model.attention_flops_per_token_forward(seq_len)
    layer_fwd_tok = 2.0 * (model.matmul_params_active - model.vocab_size * d) + attn_fwd_tok
    selective_all = np.where(rc == 1, 1.0, 0.0)
    hardware_flops = model_flops + (recomputed * layer_fwd_tok + selective_all * attn_fwd_tok) * tokens_step

    # ---------------------------------------------------------------- times: only what fits, if asked
    # Memory does not depend on any time term, so the time model may skip the configurations that
    # do not fit; element-wise arithmetic gives the same values on a subset as on the whole.
    n_all = configs.size
    keep = np.flatnonzero(fits) if only_fitting else None
    if keep is not None and keep.size < n_all:
        rc, zero = rc[keep], zero[keep]
        tp, pp, dp, cp, ep, v, mf, tokens, sp_div = (
            x[keep] for x in (tp, pp, dp, cp, ep, v, mf, tokens, sp_div)
        )
        layers_busy, busy_dense, busy_moe, avg_dense, avg_moe = (
            x[keep] for x in (layers_busy, busy_dense, busy_moe, avg_dense, avg_moe)
        )
        nonexpert_dev, expert_dev, ne_train, ex_train, dp_group, exp_group, recomputed = (
            x[keep] for x in (nonexpert_dev, expert_dev, ne_train, ex_train, dp_group, exp_group, recomputed)
        )
    else:
        keep = None

    # ---------------------------------------------------------------- distinct GEMM shapes
    # The GEMM times depend on (tokens, tp, ep), i.e. on (b, cp, tp, ep) only: price each distinct
    # shape once and spread the times back (the same arithmetic on fewer elements).
    tokens_all, tp_all, ep_all = tokens, tp, ep
    shapes = _distinct_shapes(configs, keep)
    if shapes is not None:
        tokens, tp, ep = tokens[shapes.first], tp[shapes.first], ep[shapes.first]

    # ---------------------------------------------------------------- GEMMs of one layer, forward
    attn_gemm = _gemms_time_s(
        _attention_gemms(model),
        tokens,
        tp,
        peak_flops=block_peak,
        efficiency=block_eff,
        bytes_in=block_bytes_in,
        hbm=hbm,
        units=cu,
    )
    dense_mlp_gemm = _gemms_time_s(
        _mlp_gemms(model, model.ffn_hidden_size),
        tokens,
        tp,
        peak_flops=block_peak,
        efficiency=block_eff,
        bytes_in=block_bytes_in,
        hbm=hbm,
        units=cu,
    )
    if moe is not None:
        # Each local expert (E/ep per device) sees ep * tokens * k / E tokens on average, the
        # busiest EXPERT_LOAD_IMBALANCE times more; experts run as one grouped GEMM kernel.
        expert_tokens = ep * tokens * moe.active_experts / moe.experts * EXPERT_LOAD_IMBALANCE
        local_experts = moe.experts / ep
        if st.moe_host_sync:
            # one GEMM launch per local expert, each at least the host's issue time
            moe_gemm = np.zeros_like(tokens)
            for gm in _mlp_gemms(model, moe.expert_ffn_hidden_size):
                one = _gemms_time_s(
                    [gm],
                    expert_tokens,
                    tp,
                    peak_flops=block_peak,
                    efficiency=block_eff,
                    bytes_in=block_bytes_in,
                    hbm=hbm,
                    units=cu,
                )
                moe_gemm = moe_gemm + local_experts * np.maximum(one, HOST_TIME_PER_OP_S)
        else:
            moe_gemm = _gemms_time_s(
                _mlp_gemms(model, moe.expert_ffn_hidden_size),
                expert_tokens,
                tp,
                peak_flops=block_peak,
                efficiency=block_eff,
                bytes_in=block_bytes_in,
                hbm=hbm,
                count=local_experts,
                units=cu,
            )
        if moe.shared_experts:
            moe_gemm = moe_gemm + _gemms_time_s(
                _mlp_gemms(model, moe.shared_experts * moe.expert_ffn_hidden_size),
                tokens,
                tp,
                peak_flops=block_peak,
                efficiency=block_eff,
                bytes_in=block_bytes_in,
                hbm=hbm,
                units=cu,
            )
        moe_gemm = moe_gemm + _gemm_time_s(
            tokens,
            moe.experts,
            d,
            peak_flops=bf16_peak,
            efficiency=eff,
            bytes_in=2.0,
            hbm_bytes_per_s=hbm,
            units=cu,
        )
    else:
        moe_gemm = np.zeros_like(tokens)

    # ---------------------------------------------------------------- LoRA adapters, forward
    attn_gemms, mlp_gemms = _attention_gemms(model), _mlp_gemms(model, model.ffn_hidden_size)
    lora_attn_fwd: FloatArray | float = 0.0
    lora_dense_fwd: FloatArray | float = 0.0
    if lora:
        # x A (k -> r) then (x A) B (r -> n), in bf16; A is split like the base input, B like its output
        def adapters(gemms: list[_Gemm]) -> list[_Gemm]:
            out: list[_Gemm] = []
            for gm in gemms:
                out.append(_Gemm(lora_rank, gm.k, "k" if gm.split == "k" else "none"))
                out.append(_Gemm(gm.n, lora_rank, "n" if gm.split == "n" else "none"))
            return out

        def adapter_time(gemms: list[_Gemm]) -> FloatArray:
            return _gemms_time_s(
                adapters(gemms),
                tokens,
                tp,
                peak_flops=bf16_peak,
                efficiency=eff,
                bytes_in=2.0,
                hbm=hbm,
                units=cu,
            )

        lora_attn_fwd = adapter_time(lora_attn_targets)
        lora_dense_fwd = lora_attn_fwd + (adapter_time(lora_mlp_targets) if lora_mlp_targets else 0.0)

    # output layer on the last stage (vocab-parallel logits)
    logits_fwd = _gemm_time_s(
        tokens,
        model.vocab_size / tp,
        d,
        peak_flops=bf16_peak,
        efficiency=eff,
        bytes_in=2.0,
        hbm_bytes_per_s=hbm,
        units=cu,
    )
    if shapes is not None:  # back to one element per configuration
        inv = shapes.inverse
        attn_gemm, dense_mlp_gemm, moe_gemm, logits_fwd = (
            x[inv] for x in (attn_gemm, dense_mlp_gemm, moe_gemm, logits_fwd)
        )
        if isinstance(lora_attn_fwd, np.ndarray):
            lora_attn_fwd = lora_attn_fwd[inv]
        if isinstance(lora_dense_fwd, np.ndarray):
            lora_dense_fwd = lora_dense_fwd[inv]
    tokens, tp, ep = tokens_all, tp_all, ep_all

    # ---------------------------------------------------------------- attention core, forward
    heads_dev = model.heads / tp
    # packed sequences: each query attends within its document (tile-quantised causal work)
    span_ratio = packed_attention_work_ratio(document_tokens, seq_len) if document_tokens else 1.0
    attn_flops_fwd = 2.0 * tokens * s * heads_dev * (qk + vd) * span_ratio  # full-sequence convention
    score_elems = tokens * s * heads_dev  # score-matrix elements per micro-batch per device
    attn_rel = (
        flash_attention_relative_efficiency(acc, s)
        if st.measured_attention
        else FLASH_ATTENTION_RELATIVE_EFFICIENCY
    )
    if st.flash_attention:
        attn_fwd = attn_flops_fwd * CAUSAL_WORK_FRACTION / (bf16_peak * eff * attn_rel) + KERNEL_OVERHEAD_S
        attn_bwd = attn_fwd * ATTENTION_BACKWARD_FORWARD_RATIO
        score_fwd = np.zeros_like(tokens)
        score_bwd = np.zeros_like(tokens)
    else:
        attn_fwd = attn_flops_fwd / (bf16_peak * eff) + 2 * KERNEL_OVERHEAD_S
        attn_bwd = 2.0 * attn_fwd
        fwd_b = UNFUSED_SCORE_BYTES_FORWARD + (UNFUSED_SCORE_BYTES_FORWARD_DROPOUT if st.dropout else 0.0)
        bwd_b = UNFUSED_SCORE_BYTES_BACKWARD + (UNFUSED_SCORE_BYTES_BACKWARD_DROPOUT if st.dropout else 0.0)
        score_fwd = score_elems * fwd_b / hbm + 2 * KERNEL_OVERHEAD_S
        score_bwd = score_elems * bwd_b / hbm + 3 * KERNEL_OVERHEAD_S

    # ---------------------------------------------------------------- element-wise traffic, forward
    # Per token: norms (2 x read+write h), two residual adds (read 2h, write h), masks; MLP
    # activation (read up-projection output, write f). Hidden-size tensors are sharded by SP.
    mask = 1.0 if st.dropout else 0.0
    hidden_elems = (10.0 + mask) * d / sp_div
    dense_act_elems = (up + 1) * model.ffn_hidden_size / tp
    cast: FloatArray | float = 0.0
    if low_precision:
        # fp8/fp4 casts of the GEMM inputs: read bf16, write 1 B (per element 3 B = 1.5 elements)
        cast = 1.5 * (2 * d + model.heads * vd / tp + model.ffn_hidden_size / tp)
    elem_dense_fwd = tokens * ab * (hidden_elems + dense_act_elems + cast) / hbm
    if moe is not None:
        k_act = moe.active_experts
        moe_act_elems = k_act * ((up + 1) * moe.expert_ffn_hidden_size + 4 * d) / tp * EXPERT_LOAD_IMBALANCE
        moe_act_elems = moe_act_elems + moe.shared_experts * (up + 1) * moe.expert_ffn_hidden_size / tp
        elem_moe_fwd = tokens * ab * (hidden_elems + moe_act_elems + cast) / hbm
    else:
        elem_moe_fwd = np.zeros_like(tokens)
    elem_kernel = ELEMENTWISE_KERNELS_FORWARD * KERNEL_OVERHEAD_S
    elem_dense_fwd = elem_dense_fwd + elem_kernel
    elem_moe_fwd = elem_moe_fwd + elem_kernel

    # ---------------------------------------------------------------- tensor-parallel collectives
    act_bytes = tokens * d * ab  # one hidden-size activation of the micro-batch
    tp_bw = comm.group_bandwidth_bytes_per_s(
        tp,
        1,
        domain_size=domain,
        scaleup_gb_s=acc.scaleup_bandwidth_gb_s,
        scaleout_gb_s=acc.scaleout_bandwidth_gb_s,
    )
    tp_lat = comm.group_latency_s(tp, 1, domain_size=domain)
    unit = comm.all_gather_time_s(act_bytes, tp, tp_bw, tp_lat)  # one AG or RS; an AR is two
    # forward: 2 AG + 2 RS (SP) or 2 AR (no SP) = 4 units; backward the same, SP re-gathers the
    # inputs for the weight gradients (2 units, overlapped with the data-gradient GEMMs).
    tp_fwd = 4.0 * unit
    tp_bwd = 4.0 * unit
    if st.tp_comm_overlap:
        gemm_fwd_dense = attn_gemm + dense_mlp_gemm
        tp_fwd = np.maximum(tp_fwd - gemm_fwd_dense, 0.0) + TP_OVERLAP_RESIDUAL_FRACTION * tp_fwd
        tp_bwd = np.maximum(tp_bwd - 2.0 * gemm_fwd_dense, 0.0) + TP_OVERLAP_RESIDUAL_FRACTION * tp_bwd

    # ---------------------------------------------------------------- context parallelism (ring)
    kv_width = (2 * model.kv_heads * model.head_dim) if model.mla is None else model.heads * (qk + vd)
    kv_bytes = tokens * kv_width / np.minimum(tp, max(model.kv_heads, 1) if model.mla is None else tp) * ab
    cp_bw = comm.group_bandwidth_bytes_per_s(
        cp,
        tp,
        domain_size=domain,
        scaleup_gb_s=acc.scaleup_bandwidth_gb_s,
        scaleout_gb_s=acc.scaleout_bandwidth_gb_s,
    )
    cp_lat = comm.group_latency_s(cp, tp, domain_size=domain)
    cp_ring = (cp - 1.0) * comm.p2p_time_s(kv_bytes, cp_bw, cp_lat)
    cp_ring = np.where(cp > 1, cp_ring, 0.0)
    # ring attention overlaps each KV exchange with the attention block of the previous chunk
    cp_fwd = np.maximum(cp_ring - attn_fwd, 0.0)
    cp_bwd = np.maximum(2.0 * cp_ring - attn_bwd, 0.0)

    # ---------------------------------------------------------------- expert-parallel all-to-all
    if moe is not None:
        a2a_bytes = tokens * moe.active_experts * d * ab / sp_div
        ep_bw = comm.group_bandwidth_bytes_per_s(
            ep,
            tp,
            domain_size=domain,
            scaleup_gb_s=acc.scaleup_bandwidth_gb_s,
            scaleout_gb_s=acc.scaleout_bandwidth_gb_s,
        )
        ep_lat = comm.group_latency_s(ep, tp, domain_size=domain)
        a2a = comm.all_to_all_time_s(a2a_bytes, ep, ep_bw, ep_lat)
        ep_fwd = 2.0 * a2a  # dispatch + combine
        ep_bwd = 2.0 * a2a
        if st.ep_overlap:
            # hidden behind the attention and expert computation of the paired micro-batch
            moe_work = attn_gemm + moe_gemm + attn_fwd
            ep_fwd = np.maximum(ep_fwd - moe_work, 0.0) + EP_OVERLAP_RESIDUAL_FRACTION * ep_fwd
            ep_bwd = np.maximum(ep_bwd - 2.0 * moe_work, 0.0) + EP_OVERLAP_RESIDUAL_FRACTION * ep_bwd
    else:
        ep_fwd = ep_bwd = np.zeros_like(tokens)

    # ---------------------------------------------------------------- one layer, fwd / bwd / recompute
    ebr = ELEMENTWISE_BACKWARD_FORWARD_RATIO
    # weight-gradient GEMMs (the second of the two backward GEMMs); none for frozen LoRA base weights
    wgrad = 0.0 if lora else 1.0
    bwd_kernels = ELEMENTWISE_KERNELS_BACKWARD * KERNEL_OVERHEAD_S
    dense_compute_fwd = attn_gemm + dense_mlp_gemm + attn_fwd + score_fwd + elem_dense_fwd + lora_dense_fwd
    dense_compute_bwd = (
        (1.0 + wgrad) * (attn_gemm + dense_mlp_gemm)
        + 2.0 * lora_dense_fwd
        + attn_bwd
        + score_bwd
        + ebr * (elem_dense_fwd - elem_kernel)
        + bwd_kernels
    )
    moe_compute_fwd = attn_gemm + moe_gemm + attn_fwd + score_fwd + elem_moe_fwd + lora_attn_fwd
    moe_compute_bwd = (1.0 + wgrad) * (attn_gemm + moe_gemm) + 2.0 * lora_attn_fwd + attn_bwd + score_bwd
    moe_compute_bwd = moe_compute_bwd + ebr * (elem_moe_fwd - elem_kernel)
    moe_compute_bwd = moe_compute_bwd + bwd_kernels

    # ---------------------------------------------------------------- host issue time (CPU-bound regime)
    # The host issues every operation (HOST_TIME_PER_OP_S each). Without a sync it runs ahead and a
    # layer takes max(GPU time, host time); a synchronised MoE layer (st.moe_host_sync) pays the
    # routing operations and each local expert's quantisations at host speed on top (each kernel
    # of the drained queue costs max(GPU, host); the expert GEMMs are maxed above).
    h = HOST_TIME_PER_OP_S
    n_gemm = float(len(attn_gemms) + len(mlp_gemms))
    casts = n_gemm if low_precision else 0.0
    host_dense_fwd = (DENSE_LAYER_OPS_FORWARD + n_gemm + 1.0 + casts) * h
    host_dense_bwd = (DENSE_LAYER_OPS_BACKWARD + n_gemm * (1.0 + wgrad) + 1.0 + casts) * h
    dense_compute_fwd = np.maximum(dense_compute_fwd, host_dense_fwd)
    dense_compute_bwd = np.maximum(dense_compute_bwd, host_dense_bwd)
    if moe is not None:
        local = moe.experts / ep
        q_ops = 2.0 * local if low_precision else 0.0  # per-expert quantisation of fc1 / fc2 inputs
        if st.moe_host_sync:
            moe_compute_fwd = moe_compute_fwd + (MOE_ROUTING_OPS_FORWARD + q_ops) * h
            moe_compute_bwd = moe_compute_bwd + (MOE_ROUTING_OPS_BACKWARD + q_ops) * h
        else:
            attn_ops = len(attn_gemms) + 1.0
            moe_host_fwd = (
                DENSE_LAYER_OPS_FORWARD + attn_ops + MOE_ROUTING_OPS_FORWARD + 2.0 * local + q_ops
            ) * h
            moe_host_bwd = (
                DENSE_LAYER_OPS_BACKWARD + 2.0 * attn_ops + MOE_ROUTING_OPS_BACKWARD + 4.0 * local + q_ops
            ) * h
            moe_compute_fwd = np.maximum(moe_compute_fwd, moe_host_fwd)
            moe_compute_bwd = np.maximum(moe_compute_bwd, moe_host_bwd)
    selective_extra = attn_fwd + score_fwd
    selective = np.where(rc == 1, 1.0, 0.0)
    dense_re = recomputed * dense_compute_fwd + selective * selective_extra
    moe_re = recomputed * moe_compute_fwd + selective * selective_extra
    tp_re = recomputed * tp_fwd
    ep_re = recomputed * ep_fwd
    cp_re = recomputed * cp_fwd

    def per_mb(nd: FloatArray | float, nm: FloatArray | float) -> tuple[FloatArray, ...]:
        compute = nd * (dense_compute_fwd + dense_compute_bwd + dense_re) + nm * (
            moe_compute_fwd + moe_compute_bwd + moe_re
        )
        tpc = (nd + nm) * (tp_fwd + tp_bwd + tp_re)
        cpc = (nd + nm) * (cp_fwd + cp_bwd + cp_re)
        epc = nm * (ep_fwd + ep_bwd + ep_re)
        return compute, tpc, cpc, epc

    c_busy, tp_busy, cp_busy, ep_busy = per_mb(busy_dense, busy_moe)
    c_avg, tp_avg, cp_avg, ep_avg = per_mb(avg_dense, avg_moe)

    # output layer and loss on the last stage (vocab-parallel logits, fp32 cross-entropy; the logits
    # GEMM is priced with the other GEMMs above)
    loss = tokens * model.vocab_size / tp * (4.0 + 4.0 + 2.0) * 2.0 / hbm
    head = (2.0 + wgrad) * logits_fwd + loss
    stage_busy = c_busy + tp_busy + cp_busy + ep_busy + head
    stage_avg = c_avg + tp_avg + cp_avg + ep_avg + head / pp

    # ---------------------------------------------------------------- pipeline
    bubble_stages = (pp / 2.0 - 1.0) if st.bidirectional_pipeline else pp - 1.0
    # (p - 1)/(v m) of the m micro-batches' time, i.e. (p - 1)/v stage-times (bubble_fraction)
    bubble = np.maximum(bubble_stages, 0.0) / v * stage_avg
    # scatter/gather optimisation: each TP rank sends 1/tp of the activation, gathered over the
    # scale-up link on the far side (Narayanan et al. 2021, sec. 4.1)
    p2p_bytes = act_bytes / tp
    pp_stride = tp * cp * dp
    p2p_bw = comm.group_bandwidth_bytes_per_s(
        2,
        pp_stride,
        domain_size=domain,
        scaleup_gb_s=acc.scaleup_bandwidth_gb_s,
        scaleout_gb_s=acc.scaleout_bandwidth_gb_s,
    )
    p2p_lat = comm.group_latency_s(2, pp_stride, domain_size=domain)
    p2p_one = comm.p2p_time_s(p2p_bytes, p2p_bw, p2p_lat)
    p2p = np.where(pp > 1, 2.0 * v * mf * p2p_one, 0.0)
    if st.p2p_overlap:
        p2p = np.where(pp > 1, 2.0 * v * p2p_one, 0.0)  # only the warm-up/cool-down sends stay exposed

    # ---------------------------------------------------------------- data-parallel reduction
    dp_bw = comm.group_bandwidth_bytes_per_s(
        dp_group,
        tp,
        domain_size=domain,
        scaleup_gb_s=acc.scaleup_bandwidth_gb_s,
        scaleout_gb_s=acc.scaleout_bandwidth_gb_s,
    )
    dp_lat = comm.group_latency_s(dp_group, tp, domain_size=domain)
    ex_bw = comm.group_bandwidth_bytes_per_s(
        exp_group,
        tp * ep,
        domain_size=domain,
        scaleup_gb_s=acc.scaleup_bandwidth_gb_s,
        scaleout_gb_s=acc.scaleout_bandwidth_gb_s,
    )
    ex_lat = comm.group_latency_s(exp_group, tp * ep, domain_size=domain)
    g = st.grad_comm_bytes
    pb = mem.WEIGHT_BYTES_PER_PARAM
    # ZeRO 0: all-reduce of the gradients; 1-2: reduce-scatter gradients + all-gather weights;
    # 3: per micro-batch weight all-gather (forward and backward) + gradient reduce-scatter.
    ar = comm.all_reduce_time_s(ne_train * g, dp_group, dp_bw, dp_lat) + comm.all_reduce_time_s(
        ex_train * g, exp_group, ex_bw, ex_lat
    )
    rs_ag = (
        comm.reduce_scatter_time_s(ne_train * g, dp_group, dp_bw, dp_lat)
        + comm.all_gather_time_s(ne_train * pb, dp_group, dp_bw, dp_lat)
        + comm.reduce_scatter_time_s(ex_train * g, exp_group, ex_bw, ex_lat)
        + comm.all_gather_time_s(ex_train * pb, exp_group, ex_bw, ex_lat)
    )
    z3_mb = (
        2.0 * comm.all_gather_time_s(nonexpert_dev * pb, dp_group, dp_bw, dp_lat)
        + comm.reduce_scatter_time_s(ne_train * g, dp_group, dp_bw, dp_lat)
        + 2.0 * comm.all_gather_time_s(expert_dev * pb, exp_group, ex_bw, ex_lat)
        + comm.reduce_scatter_time_s(ex_train * g, exp_group, ex_bw, ex_lat)
    )
    # Latency of the many collectives: ZeRO 0-2 reduce bucket by bucket; ZeRO-3 gathers and
    # reduce-scatters layer by layer (3 collectives per layer and micro-batch).
    buckets = np.ceil((ne_train + ex_train) / np.maximum(DP_BUCKET_PARAMS, 1e6 * dp_group))
    ring_lat = (dp_group - 1.0) * dp_lat
    ar = ar + (buckets - 1.0) * 2.0 * np.log2(np.maximum(dp_group, 2.0)) * dp_lat
    rs_ag = rs_ag + 2.0 * (buckets - 1.0) * ring_lat
    z3_mb = z3_mb + 3.0 * (layers_busy - 1.0) * ring_lat
    dp_total = np.where(zero == 0, ar, np.where(zero <= 2, rs_ag, z3_mb * mf))
    if st.dp_overlap:
        # hidden behind the backward pass of the last micro-batch (ZeRO-3: behind every micro-batch)
        window = np.where(zero >= 3, mf * c_busy, 2.0 / 3.0 * c_busy)
        dp_exposed = np.maximum(dp_total - window, 0.0) + DP_OVERLAP_RESIDUAL_FRACTION * np.minimum(
            dp_total, window
        )
    else:
        dp_exposed = dp_total

    # ---------------------------------------------------------------- optimizer step
    opt_params = ne_train / np.where(zero >= 1, dp_group, 1.0) + ex_train / np.where(
        zero >= 1, exp_group, 1.0
    )
    optimizer = opt_params * OPTIMIZER_STEP_BYTES_PER_PARAM / hbm + 20 * KERNEL_OVERHEAD_S

    # ---------------------------------------------------------------- step time
    pipeline = mf * stage_busy + bubble
    base = pipeline + p2p + dp_exposed + optimizer
    overhead = FRAMEWORK_OVERHEAD_FRACTION * base
    step = base + overhead

    def spread(x: FloatArray) -> FloatArray:
        """``x`` over every configuration: NaN where the time model was skipped (does not fit)."""
        if keep is None:
            return x
        out = np.full(n_all, np.nan)
        out[keep] = x
        return out

    return StepArrays(
        step_time_s=spread(step),
        compute_s=spread(mf * (c_busy + head)),
        tp_comm_s=spread(mf * tp_busy),
        cp_comm_s=spread(mf * cp_busy),
        ep_comm_s=spread(mf * ep_busy),
        bubble_s=spread(bubble),
        p2p_s=spread(p2p),
        dp_comm_s=spread(dp_exposed),
        optimizer_s=spread(optimizer),
        overhead_s=spread(overhead),
        weights_bytes=weights_b,
        grads_bytes=grads_b,
        optimizer_bytes=optim_b,
        activations_bytes=acts,
        other_bytes=other,
        memory_bytes=total_mem,
        fits=fits,
        model_flops_per_step=model_flops,
        hardware_flops_per_step=hardware_flops,
        microbatches=m,
    )
