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
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pandas as pd

#: AIConfigurator system directory -> Stackplan accelerator id.
SYSTEMS = {
    "a100_sxm": "a100-sxm-80gb",
    "h100_sxm": "h100-sxm",
    "h200_sxm": "h200",
    "b200_sxm": "b200",
    "gb200": "gb200",
    "gb300": "gb300",
}
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


def rows(root: Path) -> list[dict[str, object]]:
    out: list[dict[str, object]] = []
    for system, accelerator in SYSTEMS.items():
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
                        "devices": int(gpus),
                        "message_bytes": int(size) * 2,
                        "latency_us": round(float(g.latency.median()) * 1e3, 3),
                        "framework_version": version,
                        "source": f"NVIDIA AIConfigurator 0.12.0 (aiconfigurator-core, Apache-2.0) measured "
                        f"all-reduce sweep {rel}" + (f", backend {backend}" if backend else ""),
                    }
                )
    return out


def main() -> None:
    root = Path(sys.argv[1])
    data = rows(root)
    w = sys.stdout
    w.write("# schema_version: 1\n# catalog: allreduce_latency\n# as_of: 2026-11-26\n")
    w.write(
        "# units: message_bytes bf16 bytes each device contributes [B]; latency_us time of one all-reduce "
        "over `devices` GPUs of one NVLink domain with the framework's own all-reduce, as its CUDA-graph "
        "decode runs it [us]\n"
    )
    fields = [
        "framework",
        "accelerator",
        "devices",
        "message_bytes",
        "latency_us",
        "framework_version",
        "source",
    ]
    cw = csv.DictWriter(w, fieldnames=fields, lineterminator="\n")
    cw.writeheader()
    for r in data:
        cw.writerow(r)


if __name__ == "__main__":
    main()
