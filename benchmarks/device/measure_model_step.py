"""Time whole decode and prefill steps of a Llama-3.1-8B-shaped model on the local GPU (PyTorch).

A minimal bf16 decoder with the published Llama 3.1 8B shapes (32 layers, hidden 4,096, 32 query
and 8 KV heads of 128, MLP 14,336, vocabulary 128,256) and random weights: RMSNorm, fused QKV,
a KV cache written in place, scaled-dot-product attention, SwiGLU MLP, output head. Decode steps
(one new token for each of ``B`` sequences against a cache of ``L`` tokens) run as one CUDA graph,
so the time is the GPU's alone, and also eagerly (Python launching every kernel, the host overhead
serving frameworks remove with graphs). Prefill steps run one prompt of ``S`` tokens (causal
attention, the head on its last token only). Rotary embeddings are left out (elementwise, < 1 %
of a step).

Usage: ``python3 benchmarks/device/measure_model_step.py OUT_DIR [bf16|fp8]`` on a machine with an
NVIDIA GPU and PyTorch. Writes ``model_step.csv`` (``model_step_fp8.csv``: the linear layers' weights
in FP8 E4M3 through ``torch._scaled_mm``, activations cast with a static scale). Not part of the
test suite (which never needs a GPU); the results ship in ``src/stackplan/validation/data/kernels/`` and are compared with the model by
``tests/validation/test_model_step_measurements.py``.
"""

from __future__ import annotations

import csv
import sys
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812

LAYERS, HIDDEN, HEADS, KV_HEADS, HEAD_DIM, MLP, VOCAB = 32, 4096, 32, 8, 128, 14336, 128256
DTYPE = torch.bfloat16
EPS = 1e-5


class Model:
    """Random weights of the Llama-3.1-8B shapes, one tensor per projection (bf16; the linear layers
    FP8 with ``precision="fp8"``).

    ``mlp(x, layer)`` is the feed-forward block (dense SwiGLU here; measure_moe_step.py swaps in
    routed experts); ``vocab`` the output head's rows.
    """

    def __init__(self, vocab: int = VOCAB, mlp_weights: bool = True, precision: str = "bf16") -> None:
        qkv = (HEADS + 2 * KV_HEADS) * HEAD_DIM

        def proj(*shape: int) -> torch.Tensor:  # the linear layers' weights, FP8 when asked
            w = weights(*shape)
            return w.to(torch.float8_e4m3fn) if precision == "fp8" else w

        self.embed = weights(vocab, HIDDEN)
        self.layers = [
            {
                "n1": torch.ones(HIDDEN, device="cuda", dtype=DTYPE),
                "qkv": proj(qkv, HIDDEN),
                "o": proj(HIDDEN, HEADS * HEAD_DIM),
                "n2": torch.ones(HIDDEN, device="cuda", dtype=DTYPE),
                **({"gate_up": proj(2 * MLP, HIDDEN), "down": proj(HIDDEN, MLP)} if mlp_weights else {}),
            }
            for _ in range(LAYERS)
        ]
        self.norm = torch.ones(HIDDEN, device="cuda", dtype=DTYPE)
        self.head = weights(vocab, HIDDEN)
        self.mlp = dense_mlp


def weights(*shape: int) -> torch.Tensor:
    return torch.empty(*shape, device="cuda", dtype=DTYPE).normal_(0.0, 0.02)


def linear(x: torch.Tensor, w: torch.Tensor) -> torch.Tensor:
    """``x @ w.T``; FP8 weights (``float8_e4m3fn``) run as ``torch._scaled_mm`` on an FP8 cast of ``x``
    with static per-tensor scales of one (as calibrated FP8 checkpoints use; random inputs stay well
    inside E4M3's range of +-448)."""
    if w.dtype != torch.float8_e4m3fn:
        return x @ w.t()
    one = _UNIT_SCALE.get(x.device)
    if one is None:  # made once, outside any graph capture (the warm-up runs first)
        one = _UNIT_SCALE[x.device] = torch.ones((), device=x.device, dtype=torch.float32)
    return torch._scaled_mm(x.to(torch.float8_e4m3fn), w.t(), scale_a=one, scale_b=one, out_dtype=DTYPE)


_UNIT_SCALE: dict[torch.device, torch.Tensor] = {}


def rms(x: torch.Tensor, g: torch.Tensor) -> torch.Tensor:
    return F.rms_norm(x, (HIDDEN,), g, EPS)


def attend_decode(
    x: torch.Tensor, layer: dict[str, torch.Tensor], ck: torch.Tensor, cv: torch.Tensor, pos: int
) -> torch.Tensor:
    """Attention block of a decode step (norm, QKV, cache write at ``pos``, attention, output proj)."""
    b = x.shape[0]
    h = linear(rms(x, layer["n1"]), layer["qkv"])
    q, k, v = h.split([HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM], dim=-1)
    ck[:, :, pos] = k.view(b, KV_HEADS, HEAD_DIM)
    cv[:, :, pos] = v.view(b, KV_HEADS, HEAD_DIM)
    # GQA decode: the query heads that share a KV head attend as rows of one query block
    qg = q.view(b, KV_HEADS, HEADS // KV_HEADS, HEAD_DIM)
    a = F.scaled_dot_product_attention(qg, ck, cv)  # [B, KV, group, D]
    return linear(a.reshape(b, HEADS * HEAD_DIM), layer["o"])


def dense_mlp(x: torch.Tensor, layer: dict[str, torch.Tensor]) -> torch.Tensor:
    gu = linear(rms(x, layer["n2"]), layer["gate_up"])
    g, u = gu.chunk(2, dim=-1)
    return linear(F.silu(g) * u, layer["down"])


def decode_step(
    m: Model, tokens: torch.Tensor, cache_k: list[torch.Tensor], cache_v: list[torch.Tensor], pos: int
) -> torch.Tensor:
    """One new token per sequence; ``cache_*[l]`` is ``[B, KV_HEADS, L + 1, HEAD_DIM]``, slot ``pos`` new."""
    x = m.embed[tokens]  # [B, H]
    for layer, ck, cv in zip(m.layers, cache_k, cache_v, strict=True):
        x = x + attend_decode(x, layer, ck, cv, pos)
        x = x + m.mlp(x, layer)
    return (rms(x, m.norm) @ m.head.t()).argmax(dim=-1)


def _attend_causal(q: torch.Tensor, k: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    try:
        return F.scaled_dot_product_attention(q, k, v, is_causal=True, enable_gqa=True)
    except (TypeError, RuntimeError):
        rep = HEADS // KV_HEADS
        return F.scaled_dot_product_attention(
            q, k.repeat_interleave(rep, dim=1), v.repeat_interleave(rep, dim=1), is_causal=True
        )


def attend_prefill(x: torch.Tensor, layer: dict[str, torch.Tensor]) -> torch.Tensor:
    """Attention block of one prompt ``x`` of ``[S, H]`` (causal)."""
    s = x.shape[0]
    h = linear(rms(x, layer["n1"]), layer["qkv"])
    q, k, v = h.split([HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM, KV_HEADS * HEAD_DIM], dim=-1)
    q = q.view(s, HEADS, HEAD_DIM).transpose(0, 1).unsqueeze(0)
    k = k.view(s, KV_HEADS, HEAD_DIM).transpose(0, 1).unsqueeze(0)
    v = v.view(s, KV_HEADS, HEAD_DIM).transpose(0, 1).unsqueeze(0)
    a = _attend_causal(q, k, v).squeeze(0).transpose(0, 1).reshape(s, HEADS * HEAD_DIM)
    return linear(a, layer["o"])


def prefill_step(m: Model, tokens: torch.Tensor) -> torch.Tensor:
    """One prompt of ``S`` tokens (``tokens`` is ``[S]``); the head runs on the last token only."""
    x = m.embed[tokens]  # [S, H]
    for layer in m.layers:
        x = x + attend_prefill(x, layer)
        x = x + m.mlp(x, layer)
    return (rms(x[-1:], m.norm) @ m.head.t()).argmax(dim=-1)


def _time(fn, iters: int) -> float:  # type: ignore[no-untyped-def]
    """Mean seconds per call of ``fn`` over ``iters`` calls after three warm-ups (CUDA events)."""
    for _ in range(3):
        fn()
    torch.cuda.synchronize()
    start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
    start.record()
    for _ in range(iters):
        fn()
    end.record()
    torch.cuda.synchronize()
    return start.elapsed_time(end) / 1e3 / iters


def _decode_case(m: Model, batch: int, context: int, graph_too: bool = True) -> tuple[float, float]:
    """Seconds per decode step of ``batch`` sequences over ``context`` cached tokens: (graph, eager).

    The graph time is NaN where ``graph_too`` is false or the step cannot be captured."""
    shape = (batch, KV_HEADS, context + 1, HEAD_DIM)
    cache_k = [torch.empty(shape, device="cuda", dtype=DTYPE).normal_(0.0, 1.0) for _ in range(LAYERS)]
    cache_v = [torch.empty(shape, device="cuda", dtype=DTYPE).normal_(0.0, 1.0) for _ in range(LAYERS)]
    tokens = torch.randint(0, m.embed.shape[0], (batch,), device="cuda")
    step = partial(decode_step, m, tokens, cache_k, cache_v, context)
    eager = _time(step, 10)
    if not graph_too:
        return float("nan"), eager
    try:
        return _time(_capture(step).replay, 30), eager
    except RuntimeError as err:
        print(f"CUDA graph capture failed ({err}); eager only", flush=True)
        return float("nan"), eager


def _capture(step: Callable[[], object]) -> torch.cuda.CUDAGraph:
    """``step`` captured as a CUDA graph after two warm-up runs on a side stream."""
    stream = torch.cuda.Stream()
    stream.wait_stream(torch.cuda.current_stream())
    with torch.cuda.stream(stream):
        for _ in range(2):
            step()
    torch.cuda.current_stream().wait_stream(stream)
    graph = torch.cuda.CUDAGraph()
    with torch.cuda.graph(graph):
        step()
    return graph


def write_steps(path: Path, rows: list[dict[str, object]], what: str, script: str) -> None:
    """The step times as a catalogue-style CSV: dated, with the machine and the script that measured them."""
    props = torch.cuda.get_device_properties(0)
    with path.open("w", newline="") as f:
        f.write("# schema_version: 1\n")
        f.write(f"# as_of: {time.strftime('%Y-%m-%d')}\n")
        f.write(f"# source: measured by the Stackplan project ({script})\n")
        f.write(
            f"# measured: one {props.name} ({props.multi_processor_count} SMs), PyTorch {torch.__version__}, "
            f"CUDA {torch.version.cuda}; {what}\n"
        )
        f.write(
            "# units: batch sequences [-]; tokens the decode context L (cache of L + 1) or the prompt length S "
            "[tokens]; seconds per step [s] (CUDA events)\n"
        )
        writer = csv.DictWriter(f, fieldnames=["phase", "mode", "batch", "tokens", "seconds"])
        writer.writeheader()
        writer.writerows(rows)


def main(out_dir: Path, precision: str = "bf16") -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    m = Model(precision=precision)
    rows: list[dict[str, object]] = []
    t0 = time.time()
    for batch, context in ((1, 1024), (8, 1024), (32, 1024), (64, 1024), (128, 1024), (32, 4096), (64, 4096)):
        graphed, eager = _decode_case(m, batch, context)
        for mode, sec in (("cuda_graph", graphed), ("eager", eager)):
            rows.append({"phase": "decode", "mode": mode, "batch": batch, "tokens": context, "seconds": sec})
        print(
            f"decode B={batch} L={context}: graph {graphed * 1e3:.3f} ms, eager {eager * 1e3:.3f} ms",
            flush=True,
        )
        torch.cuda.empty_cache()
    for seq in (512, 1024, 2048, 4096, 8192):
        tokens = torch.randint(0, VOCAB, (seq,), device="cuda")
        sec = _time(partial(prefill_step, m, tokens), 5)
        rows.append({"phase": "prefill", "mode": "eager", "batch": 1, "tokens": seq, "seconds": sec})
        print(f"prefill S={seq}: {sec * 1e3:.2f} ms", flush=True)
    path = out_dir / ("model_step.csv" if precision == "bf16" else f"model_step_{precision}.csv")
    write_steps(
        path,
        rows,
        f"Llama-3.1-8B shapes, random {precision} linear-layer weights (bf16 embedding, head and KV cache)",
        "benchmarks/device/measure_model_step.py",
    )
    print(f"wrote {path} in {time.time() - t0:.0f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "."), sys.argv[2] if len(sys.argv) > 2 else "bf16")
