"""Speed of the inference search: parallelism x precision x concurrency for one model on one chip."""

from __future__ import annotations

import time

from stackplan import Disaggregation, predict_inference, size_inference_service


def _time(repeats: int, **kw: object) -> float:
    best = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        predict_inference(**kw)  # type: ignore[arg-type]
        best = min(best, time.perf_counter() - t0)
    return best


def main() -> None:
    cases = [
        ("llama-3.1-70b on 8 x h100-sxm", {"model": "llama-3.1-70b", "accelerator": "h100-sxm", "count": 8}),
        (
            "llama-3.1-405b on 16 x h100-sxm",
            {"model": "llama-3.1-405b", "accelerator": "h100-sxm", "count": 16},
        ),
        ("mixtral-8x7b on 8 x b200", {"model": "mixtral-8x7b", "accelerator": "b200", "count": 8}),
        ("gpt-oss-120b on 8 x b200", {"model": "gpt-oss-120b", "accelerator": "b200", "count": 8}),
    ]
    print("inference full search (parallelism x precision x batch), best of 5 [s]  (target < 0.5 s)")
    for name, kw in cases:
        s = _time(5, input_tokens=1000, output_tokens=1000, precision=None, **kw)
        t = _time(5, input_tokens=1000, output_tokens=1000, precision=None, max_tpot_ms=30.0, **kw)
        u = _time(
            5,
            input_tokens=1000,
            output_tokens=1000,
            precision=None,
            max_tpot_ms=30.0,
            latency_percentile=99.0,
            **kw,
        )
        print(f"  {name:34s} max throughput {s:.3f} s   with TPOT target {t:.3f} s   p99 target {u:.3f} s")
    # disaggregated pools at a fixed number of clients (closed loop: a bisection over the decode pool)
    pools = Disaggregation(prefill_devices=8, decode_devices=8, prefill_tp=1, prefill_ep=8)
    for clients in (16, 1024):
        d = _time(
            5, model="deepseek-v3", accelerator="b200", count=16, input_tokens=4000, output_tokens=1024,
            precision="fp4", tp=8, ep=8, batch_size=clients, disaggregated=pools,
        )  # fmt: skip
        print(f"  deepseek-v3 16 x b200 disaggregated 8 + 8, {clients:5d} clients  {d:.3f} s")
    # `stackplan predict service`: every accelerator type, replica sizes 1-64, with latency targets
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        size_inference_service(
            "llama-3.1-70b",
            requests_per_s=20,
            input_tokens=1000,
            output_tokens=300,
            max_ttft_ms=1000,
            max_tpot_ms=50,
        )
        best = min(best, time.perf_counter() - t0)
    print(f"service sizing over the whole catalogue (llama-3.1-70b, 20 requests/s, best of 3): {best:.2f} s")


if __name__ == "__main__":
    main()
