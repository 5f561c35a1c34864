"""Build ``catalog/data/allreduce_latency.csv`` from AIConfigurator's measured all-reduce sweeps.

Usage::

    python tools/build_allreduce_latency.py AIC_SYSTEMS_DATA_DIR > \
        src/stackplan/catalog/data/allreduce_latency.csv

``AIC_SYSTEMS_DATA_DIR`` is ``aiconfigurator_core/systems/data`` of an installed
``aiconfigurator-core`` 0.12.0 (``pip install aiconfigurator==0.12.0`` in a scratch environment;
Apache-2.0; needs ``pandas`` and ``pyarrow`` there, not in Stackplan). Each
``comm/<framework>/<version>/custom_allreduce_perf.parquet`` holds the time of one bf16 all-reduce
of ``message_size`` elements per GPU over ``num_gpus`` GPUs of one NVLink domain, with the
framework's own all-reduce: TensorRT-LLM's custom kernels (one-shot / two-shot, NCCL above their
range), vLLM's and SGLang's ``CustomAllReduce`` (``*_graph``: captured in a CUDA graph, as decode
runs; ``*_eager`` rows are left out).

Per framework and chip the newest measured version is taken; each row keeps the measured points
(message size in bytes = elements x 2, latency in microseconds, the median where a point was
measured more than once).

AIConfigurator has no AMD system. For 8x MI300X the rows come from AMD's published rccl-tests run
(:data:`MI300X_RCCL_GRAPH`), the collective vLLM and SGLang call on ROCm for messages above their
custom all-reduce's range; it is written for both frameworks.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import cast

import pandas as pd

#: AIConfigurator system directory -> Stackplan accelerator id.
SYSTEMS = {
    "a100_sxm": "a100-sxm-80gb",
    "h100_sxm": "h100-sxm",
    "h200_sxm": "h200",
    "b200_sxm": "b200",
    "gb200": "gb200",
    "gb300": "gb300",
    "b300_sxm": "b300",
}
#: rccl-tests ``all_reduce_perf -b 8 -e 16G -f 2 -g 1 -G 1`` (graph mode, as decode runs) on
#: 8x AMD Instinct MI300X, RCCL 2.22.3, ROCm 6.3, float32 sum, out-of-place time: (message bytes per
#: GPU, microseconds), 256 B to 512 MiB. Source: Kolla, Alizadeh and Lee, "Understanding RCCL
#: Bandwidth and xGMI Performance on AMD Instinct MI300X", ROCm Blogs, 2025-03-02
#: (ROCm/rocm-blogs blogs/software-tools-optimization/mi300x-rccl-xgmi/README.md, second table).
MI300X_RCCL_GRAPH = (
    (256, 6.77),
    (512, 7.44),
    (1024, 7.47),
    (2048, 7.46),
    (4096, 7.61),
    (8192, 7.64),
    (16384, 8.71),
    (32768, 9.05),
    (65536, 9.14),
    (131072, 9.51),
    (262144, 10.26),
    (524288, 14.26),
    (1048576, 19.40),
    (2097152, 35.03),
    (4194304, 51.83),
    (8388608, 83.74),
    (16777216, 149.1),
    (33554432, 243.4),
    (67108864, 427.9),
    (134217728, 795.3),
    (268435456, 1534.4),
    (536870912, 3024.0),
)
MI300X_RCCL_SOURCE = (
    "AMD ROCm Blogs, 'Understanding RCCL Bandwidth and xGMI Performance on AMD Instinct MI300X' "
    "(2025-03-02; ROCm/rocm-blogs blogs/software-tools-optimization/mi300x-rccl-xgmi/README.md): "
    "rccl-tests all_reduce_perf -G 1 (graph mode) on 8x MI300X, RCCL 2.22.3, ROCm 6.3, out-of-place, "
    "float32 sum (time depends on bytes); the RCCL path {framework} takes on ROCm above its custom "
    "all-reduce's range"
)

FIELDS = ["framework", "accelerator", "devices", "message_bytes", "latency_us", "framework_version", "source"]

#: Rows of a framework's sweep that time the path its decode iterations take.
GRAPH_BACKENDS = {"trtllm": None, "vllm": "vllm_graph", "sglang": "sglang_graph"}


def _version_key(v: str) -> tuple[int | str, ...]:
    parts: list[int | str] = []
    for p in v.replace("rc", ".rc.").replace("post", ".post.").split("."):
        parts.append(int(p) if p.isdigit() else p)
    return tuple(parts)


def newest(root: Path, system: str, framework: str) -> Path | None:
    base = root / system / "comm" / framework
    if not base.is_dir():
        return None
    found = [p for p in base.iterdir() if (p / "custom_allreduce_perf.parquet").is_file()]
    if not found:
        return None
    return max(found, key=lambda p: _version_key(p.name)) / "custom_allreduce_perf.parquet"


def rows(root: Path, only: str | None = None, label: str | None = None) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for system, accelerator in SYSTEMS.items():
        if only is not None and system != only:
            continue
        for framework, backend in GRAPH_BACKENDS.items():
            path = newest(root, system, framework)
            if path is None:
                continue
            d = pd.read_parquet(path)
            d = d[d.allreduce_dtype == "bfloat16"]
            if backend is not None:
                d = d[d.backend == backend]
            version = path.parent.name
            rel = path.relative_to(root.parent.parent)
            for (gpus, size), g in d.groupby(["num_gpus", "message_size"]):
                out.append(
                    {
                        "framework": framework,
                        "accelerator": accelerator,
                        "devices": int(cast(int, gpus)),
                        "message_bytes": int(cast(int, size)) * 2,
                        "latency_us": round(float(g.latency.median()) * 1e3, 3),
                        "framework_version": version,
                        "source": f"NVIDIA {label or 'AIConfigurator 0.12.0 (aiconfigurator-core, Apache-2.0)'} measured "
                        f"all-reduce sweep {rel}" + (f", backend {backend}" if backend else ""),
                    }
                )
    for framework in ("vllm", "sglang") if only is None else ():
        for size, latency in MI300X_RCCL_GRAPH:
            out.append(
                {
                    "framework": framework,
                    "accelerator": "mi300x",
                    "devices": 8,
                    "message_bytes": size,
                    "latency_us": latency,
                    "framework_version": "rccl-2.22.3",
                    "source": MI300X_RCCL_SOURCE.format(framework=framework),
                }
            )
    return out


def main() -> None:
    root = Path(sys.argv[1])
    if "--only" in sys.argv:
        # rows of one system to append, e.g. B300 from the ai-dynamo/aiconfigurator repository (the
        # 0.12.0 package has no B300 sweep): --only b300_sxm --label "ai-dynamo/aiconfigurator 095f58a"
        only = sys.argv[sys.argv.index("--only") + 1]
        label = sys.argv[sys.argv.index("--label") + 1] if "--label" in sys.argv else None
        cw = csv.DictWriter(sys.stdout, fieldnames=FIELDS, lineterminator="\n")
        for r in rows(root, only, label):
            cw.writerow(r)
        return
    data = rows(root)
    w = sys.stdout
    w.write("# schema_version: 1\n# catalog: allreduce_latency\n# as_of: 2026-11-26\n")
    w.write(
        "# units: message_bytes bf16 bytes each device contributes [B]; latency_us time of one all-reduce "
        "over `devices` GPUs of one scale-up domain (NVLink, xGMI) with the framework's own all-reduce, as its CUDA-graph "
        "decode runs it [us]\n"
    )
    cw = csv.DictWriter(w, fieldnames=FIELDS, lineterminator="\n")
    cw.writeheader()
    for r in data:
        cw.writerow(r)


if __name__ == "__main__":
    main()
