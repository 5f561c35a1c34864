"""Time whole decode steps of a Mixtral-8x7B-shaped MoE model on the local GPU (PyTorch).

The attention blocks are those of ``measure_model_step.py`` (Mixtral 8x7B has the Llama-3.1-8B
attention shapes: 32 layers, hidden 4,096, 32 query and 8 KV heads of 128); each feed-forward block
is 8 routed SwiGLU experts of 14,336, top-2, vocabulary 32,000 (Jiang et al., arXiv:2401.04088),
random bf16 weights (93 GB: an H200 holds it). The experts run as two grouped GEMMs
(``torch._grouped_mm``) over the tokens sorted by expert, each expert's group padded to 16 rows, so
an expert no token chose is not read: a decode step's weight traffic follows the number of distinct
experts the batch touches, the mechanism this measures (2 of 8 at batch 1, all 8 from about 16).
Decode runs as one CUDA graph. If the grouped GEMM is missing the experts run in a loop, eagerly
(``kernel`` column).

Usage: ``python3 benchmarks/device/measure_moe_step.py OUT_DIR`` writes ``moe_step.csv``;
``... OUT_DIR qwen3-block`` times Qwen3-235B-A22B's MoE block alone (128 experts, top-8) at decode
batches 1-256 and writes ``moe_block_qwen3.csv``.
"""

from __future__ import annotations

import sys
import time
from functools import partial
from pathlib import Path

import torch
import torch.nn.functional as F  # noqa: N812
from measure_model_step import (
    DTYPE,
    HIDDEN,
    Model,
    _capture,
    _decode_case,
    _time,
    prefill_step,
    rms,
    weights,
    write_steps,
)

EXPERTS, TOP_K, EXPERT_FFN, VOCAB = 8, 2, 14336, 32000
ALIGN = 16


def moe_grouped(x: torch.Tensor, layer: dict[str, torch.Tensor], top_k: int = TOP_K) -> torch.Tensor:
    """Routed experts on ``x`` ``[T, H]`` with two grouped GEMMs (no host synchronisation)."""
    t = x.shape[0]
    experts = layer["w13"].shape[0]
    h = rms(x, layer["n2"])
    gate, idx = torch.topk(h @ layer["router"].t(), top_k, dim=-1)  # [T, K]
    gate = torch.softmax(gate.float(), dim=-1).to(DTYPE).reshape(-1)
    flat = idx.reshape(-1)
    order = torch.argsort(flat, stable=True)
    chosen = flat[order]
    counts = torch.zeros(experts, dtype=torch.long, device=x.device).scatter_add_(
        0, flat, torch.ones_like(flat)
    )
    padded = (counts + ALIGN - 1) // ALIGN * ALIGN
    ends = torch.cumsum(padded, 0)
    first = torch.cumsum(counts, 0) - counts
    dest = ends[chosen] - padded[chosen] + torch.arange(t * top_k, device=x.device) - first[chosen]
    rows = (t * top_k + ALIGN - 1) // ALIGN * ALIGN + experts * ALIGN
    buf = torch.zeros(rows, HIDDEN, device=x.device, dtype=DTYPE)
    buf[dest] = h[order // top_k]
    offs = ends.to(torch.int32)
    gu = torch._grouped_mm(buf, layer["w13"].transpose(-2, -1), offs=offs)
    g, u = gu.chunk(2, dim=-1)
    y = torch._grouped_mm((F.silu(g) * u).contiguous(), layer["w2"].transpose(-2, -1), offs=offs)
    out = torch.zeros(t, HIDDEN, device=x.device, dtype=DTYPE)
    return out.index_add_(0, order // top_k, y[dest] * gate[order, None])


def moe_loop(x: torch.Tensor, layer: dict[str, torch.Tensor]) -> torch.Tensor:
    """The same experts one at a time (reference and fallback; synchronises with the host)."""
    h = rms(x, layer["n2"])
    gate, idx = torch.topk(h @ layer["router"].t(), TOP_K, dim=-1)
    gate = torch.softmax(gate.float(), dim=-1).to(DTYPE)
    out = torch.zeros_like(x)
    for e in range(EXPERTS):
        rows, slot = torch.nonzero(idx == e, as_tuple=True)
        if rows.numel() == 0:
            continue
        gu = h[rows] @ layer["w13"][e].t()
        g, u = gu.chunk(2, dim=-1)
        out.index_add_(0, rows, ((F.silu(g) * u) @ layer["w2"][e].t()) * gate[rows, slot, None])
    return out


class MoEModel(Model):
    def __init__(self) -> None:
        super().__init__(vocab=VOCAB, mlp_weights=False)
        for layer in self.layers:
            layer["router"] = weights(EXPERTS, HIDDEN)
            layer["w13"] = weights(EXPERTS, 2 * EXPERT_FFN, HIDDEN)
            layer["w2"] = weights(EXPERTS, HIDDEN, EXPERT_FFN)
        self.mlp = moe_grouped


def _grouped_works(m: MoEModel) -> bool:
    x = torch.empty(37, HIDDEN, device="cuda", dtype=DTYPE).normal_()
    try:
        got = moe_grouped(x, m.layers[0])
    except (RuntimeError, AttributeError, TypeError) as err:
        print(f"grouped GEMM unavailable ({err}); experts run in a loop", flush=True)
        return False
    want = moe_loop(x, m.layers[0])
    err = float((got.float() - want.float()).abs().max() / want.float().abs().max())
    print(f"grouped GEMM vs loop: max relative difference {err:.2e}", flush=True)
    return err < 0.05


def main(out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    m = MoEModel()
    kernel = "grouped_mm"
    if not _grouped_works(m):
        m.mlp, kernel = moe_loop, "loop"
    rows: list[dict[str, object]] = []
    t0 = time.time()
    for batch in (1, 2, 4, 8, 16, 32, 64, 128):
        graphed, eager = _decode_case(m, batch, 1024, graph_too=kernel == "grouped_mm")
        if graphed == graphed:  # not NaN: the step was captured
            rows.append(
                {"phase": "decode", "mode": "cuda_graph", "batch": batch, "tokens": 1024, "seconds": graphed}
            )
        rows.append({"phase": "decode", "mode": "eager", "batch": batch, "tokens": 1024, "seconds": eager})
        print(
            f"decode B={batch} L=1024: graph {graphed * 1e3:.3f} ms, eager {eager * 1e3:.3f} ms", flush=True
        )
        torch.cuda.empty_cache()
    for seq in (1024, 4096):
        tokens = torch.randint(0, VOCAB, (seq,), device="cuda")
        sec = _time(partial(prefill_step, m, tokens), 5)
        rows.append({"phase": "prefill", "mode": "eager", "batch": 1, "tokens": seq, "seconds": sec})
        print(f"prefill S={seq}: {sec * 1e3:.2f} ms", flush=True)
    path = out_dir / "moe_step.csv"
    write_steps(
        path,
        rows,
        f"Mixtral-8x7B shapes, random bf16 weights, experts by {kernel}",
        "benchmarks/device/measure_moe_step.py",
    )
    print(f"wrote {path} in {time.time() - t0:.0f} s")


#: Qwen3-235B-A22B's MoE block (Qwen3 technical report and config.json: hidden 4,096, 128 experts
#: of 1,536, top-8), stacked this many layers deep so that one timing spans several GB of experts.
QWEN3_BLOCK = {"experts": 128, "top_k": 8, "ffn": 1536, "layers": 16}


def block_main(out_dir: Path) -> None:
    """Decode-time MoE blocks of Qwen3-235B-A22B alone (no attention), ``QWEN3_BLOCK["layers"]`` deep,
    one CUDA graph per batch; seconds per block in ``moe_block_qwen3.csv``."""
    out_dir.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(0)
    e, k, f, n = (QWEN3_BLOCK[key] for key in ("experts", "top_k", "ffn", "layers"))
    layers = [
        {
            "n2": torch.ones(HIDDEN, device="cuda", dtype=DTYPE),
            "router": weights(e, HIDDEN),
            "w13": weights(e, 2 * f, HIDDEN),
            "w2": weights(e, HIDDEN, f),
        }
        for _ in range(n)
    ]
    block = partial(moe_grouped, top_k=k)
    rows: list[dict[str, object]] = []
    for batch in (1, 2, 4, 8, 16, 32, 64, 128, 256):
        x = torch.empty(batch, HIDDEN, device="cuda", dtype=DTYPE).normal_()

        def stack(x: torch.Tensor = x) -> torch.Tensor:
            y = x
            for layer in layers:
                y = y + block(y, layer)
            return y

        sec = _time(_capture(stack).replay, 30) / n
        rows.append({"phase": "moe_block", "mode": "cuda_graph", "batch": batch, "tokens": 0, "seconds": sec})
        print(f"Qwen3-235B MoE block, B={batch}: {sec * 1e6:.1f} us", flush=True)
    write_steps(
        out_dir / "moe_block_qwen3.csv",
        rows,
        f"Qwen3-235B-A22B MoE blocks ({e} experts of {f}, top-{k}, hidden {HIDDEN}) alone, {n} deep, random bf16 "
        "weights, experts by grouped_mm; seconds per block",
        "benchmarks/device/measure_moe_step.py OUT qwen3-block",
    )


if __name__ == "__main__":
    if len(sys.argv) > 2 and sys.argv[2] == "qwen3-block":
        block_main(Path(sys.argv[1]))
    else:
        main(Path(sys.argv[1] if len(sys.argv) > 1 else "."))
