"""Measure achievable GEMM, attention and HBM throughput on the local GPU (PyTorch).

Run on a machine with an NVIDIA GPU and PyTorch; writes CSV files into the folder given as the first
argument. These measurements anchor the shape-dependent matmul efficiency and the memory-bandwidth
efficiency of the performance models (see docs/measurements.md). Not part of the test suite: the
test suite never needs a GPU.
"""

from __future__ import annotations

import csv
import sys
import time
from pathlib import Path

import torch


def _time_cuda(fn, warmup: int = 3, min_iters: int = 5, min_seconds: float = 0.05) -> float:  # type: ignore[no-untyped-def]
    for _ in range(warmup):
        fn()
    torch.cuda.synchronize()
    iters = min_iters
    while True:
        start = torch.cuda.Event(enable_timing=True)
        end = torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(iters):
            fn()
        end.record()
        torch.cuda.synchronize()
        ms = start.elapsed_time(end)
        if ms / 1e3 >= min_seconds or iters >= 2000:
            return ms / 1e3 / iters
        iters *= 4


def gemm_sweep(out: Path) -> None:
    ms = [1, 8, 16, 32, 64, 128, 256, 512, 1024, 2048, 4096, 8192, 16384]
    nks = [
        (4096, 4096),
        (14336, 4096),
        (4096, 14336),
        (6144, 4096),
        (1024, 4096),
        (3584, 4096),
        (8192, 8192),
        (28672, 8192),
        (8192, 28672),
        (7168, 8192),
        (1024, 8192),
        (2048, 8192),
        (12288, 12288),
        (49152, 12288),
        (12288, 49152),
        (3072, 12288),
        (12288, 3072),
        (1536, 12288),
        (2048, 2048),
        (8192, 2048),
        (16384, 16384),
        (53248, 16384),
        (6656, 16384),
        (2048, 7168),
    ]
    rows = []
    for dtype_name in ("bf16", "fp8"):
        for n, k in nks:
            for m in ms:
                a = torch.randn(m, k, device="cuda", dtype=torch.bfloat16)
                b = torch.randn(k, n, device="cuda", dtype=torch.bfloat16)
                if dtype_name == "bf16":
                    fn = lambda a=a, b=b: torch.matmul(a, b)  # noqa: E731
                else:
                    if m % 16:
                        continue
                    a8 = a.to(torch.float8_e4m3fn)
                    b8 = b.t().contiguous().to(torch.float8_e4m3fn).t()  # column-major
                    one = torch.ones((), device="cuda", dtype=torch.float32)
                    fn = lambda a8=a8, b8=b8, one=one: torch._scaled_mm(  # noqa: E731
                        a8, b8, scale_a=one, scale_b=one, out_dtype=torch.bfloat16
                    )
                try:
                    sec = _time_cuda(fn)
                except RuntimeError as err:  # unsupported shape
                    print("skip", dtype_name, m, n, k, err, file=sys.stderr)
                    continue
                flops = 2.0 * m * n * k
                elem = 2 if dtype_name == "bf16" else 1
                bytes_moved = (m * k + k * n) * elem + m * n * 2
                rows.append(
                    {
                        "dtype": dtype_name,
                        "m": m,
                        "n": n,
                        "k": k,
                        "seconds": f"{sec:.6e}",
                        "tflops": f"{flops / sec / 1e12:.2f}",
                        "gb_per_s": f"{bytes_moved / sec / 1e9:.1f}",
                    }
                )
                del a, b
        torch.cuda.empty_cache()
    _write(out / "gemm.csv", rows)


def _attention_case(seq: int, heads: int, head_dim: int) -> dict[str, object]:
    from torch.nn import functional

    batch = max(1, 16384 // seq)
    q = torch.randn(batch, heads, seq, head_dim, device="cuda", dtype=torch.bfloat16, requires_grad=True)
    k = torch.randn_like(q, requires_grad=True)
    v = torch.randn_like(q, requires_grad=True)

    def fwd() -> torch.Tensor:
        return functional.scaled_dot_product_attention(q, k, v, is_causal=True)

    sec_f = _time_cuda(fwd)
    g = torch.randn_like(fwd())

    def fwd_bwd() -> None:
        fwd().backward(g)

    sec_fb = _time_cuda(fwd_bwd)
    # causal: half of the 4*b*h*s^2*d forward FLOPs are executed; backward ~2.5x forward
    flops_f = 4.0 * batch * heads * seq * seq * head_dim / 2
    return {
        "seq": seq,
        "heads": heads,
        "head_dim": head_dim,
        "batch": batch,
        "fwd_seconds": f"{sec_f:.6e}",
        "fwd_tflops_causal": f"{flops_f / sec_f / 1e12:.1f}",
        "fwd_bwd_seconds": f"{sec_fb:.6e}",
        "fwd_bwd_tflops_causal": f"{3.5 * flops_f / sec_fb / 1e12:.1f}",
    }


def attention_sweep(out: Path) -> None:
    rows = [
        _attention_case(seq, heads, head_dim)
        for seq in (1024, 2048, 4096, 8192)
        for heads, head_dim in ((32, 128), (64, 128), (16, 128))
    ]
    _write(out / "attention.csv", rows)


def bandwidth(out: Path) -> None:
    rows = []
    for gib in (0.25, 1, 4):
        n = int(gib * 2**30 // 2)
        x = torch.empty(n, device="cuda", dtype=torch.bfloat16).normal_()
        y = torch.empty_like(x)
        sec = _time_cuda(lambda x=x, y=y: y.copy_(x))
        rows.append({"test": "copy", "gib": gib, "tb_per_s": f"{2 * n * 2 / sec / 1e12:.3f}"})
        sec = _time_cuda(lambda x=x: x.sum(dtype=torch.float32))
        rows.append({"test": "read_sum", "gib": gib, "tb_per_s": f"{n * 2 / sec / 1e12:.3f}"})
        del x, y
    _write(out / "bandwidth.csv", rows)


def _write(path: Path, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {path} ({len(rows)} rows)", flush=True)


def main() -> None:
    out = Path(sys.argv[1] if len(sys.argv) > 1 else ".")
    out.mkdir(parents=True, exist_ok=True)
    props = torch.cuda.get_device_properties(0)
    info = {
        "device": props.name,
        "sms": props.multi_processor_count,
        "torch": torch.__version__,
        "cuda": torch.version.cuda,
        "date": time.strftime("%Y-%m-%d"),
    }
    (out / "device.txt").write_text("\n".join(f"{k}: {v}" for k, v in info.items()) + "\n")
    print(info, flush=True)
    t0 = time.time()
    bandwidth(out)
    gemm_sweep(out)
    attention_sweep(out)
    print(f"total {time.time() - t0:.0f} s", flush=True)


if __name__ == "__main__":
    main()
