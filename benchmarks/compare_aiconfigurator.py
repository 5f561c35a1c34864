"""NVIDIA AIConfigurator's own accuracy on the serving rows Stackplan validates against, side by side.

Run by hand, never by the tests (it needs ``aiconfigurator``, which is not a Stackplan dependency).
Two steps, two Python environments::

    # 1. predict every row with AIConfigurator (a scratch venv with `pip install aiconfigurator`)
    PYTHONPATH=$PWD/src /tmp/aicvenv/bin/python benchmarks/compare_aiconfigurator.py predict \
        --out /tmp/aic_predictions.csv
    # 2. the table: AIConfigurator and Stackplan on the rows both predicted (the project venv)
    PYTHONPATH=$PWD/src .venv/bin/python benchmarks/compare_aiconfigurator.py compare \
        --predictions /tmp/aic_predictions.csv

``predict`` follows NVIDIA's own regression procedure (ai-dynamo/aiconfigurator
``tools/accuracy_regression_testing/predict_silicon_sample.py``): ``cli_estimate`` in ``agg`` mode
per row with the row's system, backend, version, quantisation modes, parallelism, batch and lengths;
a version without a queryable database falls back to AIConfigurator's default (``current``)
database, as NVIDIA's script does. (The older raw version directories bundled beside the queryable
slots are partial: with ``AIC_ALLOW_UNLISTED_VERSIONS=1`` they fail to load, e.g. "no GEMM rows
loaded" for h100_sxm trtllm 1.2.0rc5, so they cannot serve as a nearer version.) Stackplan's CSVs drop the checkpoint name and the exact quantisation recipe (``fp8`` vs
``fp8_block``), so these two are taken from the ``silicon_sample.csv`` row with the same id that
ships inside ``aiconfigurator-core``; parallelism, batch and lengths come from Stackplan's CSV and are
checked against that row (a disagreement is recorded in ``args_check``). Batch: AIConfigurator's
``batch_size`` is per attention-data-parallel rank, so ``batch = concurrency / (count / (tp * pp))``.

Errors are ``predicted / measured - 1``; medians of ``|error|``.
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import statistics
import sys
from collections import defaultdict
from collections.abc import Callable, Iterable
from concurrent.futures import ProcessPoolExecutor
from importlib import resources
from pathlib import Path
from typing import Any

FILES = {
    "in-sample": "serving_latency_h100.csv",
    "held-out": "serving_latency_heldout.csv",
}
#: Stackplan accelerator id -> AIConfigurator system name.
SYSTEMS = {"h100-sxm": "h100_sxm", "h200": "h200_sxm", "b200": "b200_sxm", "gb200": "gb200"}
#: Stackplan model id -> Hugging Face path (used only when the row id is not in AIC's silicon sample).
MODEL_PATHS = {
    "llama-3.1-8b": "meta-llama/Meta-Llama-3.1-8B",
    "llama-3.1-70b": "meta-llama/Meta-Llama-3.1-70B",
    "qwen3-32b": "Qwen/Qwen3-32B",
    "qwen3-235b-a22b": "Qwen/Qwen3-235B-A22B-FP8",
    "deepseek-r1": "deepseek-ai/DeepSeek-R1",
    "deepseek-v3": "deepseek-ai/DeepSeek-V3",
}
#: Checkpoint paths of the silicon sample whose config.json AIConfigurator would download from Hugging
#: Face (no network here) -> the bundled config of the same architecture (same layer shapes).
BUNDLED_MODEL_PATHS = {
    "meta-llama/Llama-3.1-8B-Instruct": "meta-llama/Meta-Llama-3.1-8B",
    "meta-llama/Llama-3.1-70B": "meta-llama/Meta-Llama-3.1-70B",
    "meta-llama/Llama-3.1-70B-Instruct": "meta-llama/Meta-Llama-3.1-70B",
}
MOE_MODELS = {"qwen3-235b-a22b", "deepseek-r1", "deepseek-v3"}
#: Stackplan precision -> AIConfigurator quant mode (fallback only: fp8 may be fp8_block upstream).
QUANT = {"bf16": None, "fp8": "fp8", "fp4": "nvfp4"}
OUT_FIELDS = [
    "file",
    "source_id",
    "model",
    "accelerator",
    "framework",
    "framework_version",
    "precision",
    "input_tokens",
    "output_tokens",
    "batch_size",
    "tp",
    "pp",
    "ep",
    "count",
    "ttft_ms",
    "tpot_ms",
    "aic_model_path",
    "aic_system",
    "aic_version",
    "aic_version_note",
    "aic_gemm_quant_mode",
    "aic_moe_quant_mode",
    "aic_batch_size",
    "aic_attention_dp_size",
    "aic_moe_tp_size",
    "aic_moe_ep_size",
    "args_check",
    "aic_ttft_ms",
    "aic_tpot_ms",
    "aic_failure",
]


def _read_ours(name: str) -> list[dict[str, str]]:
    text = resources.files("stackplan.validation").joinpath("data", name).read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO("\n".join(x for x in text.splitlines() if not x.startswith("#")))))


def _int0(v: str | None) -> int:
    return int(v) if v and v.strip() else 0


# ----------------------------------------------------------------------------------------------- predict


def _silicon_sample() -> dict[str, dict[str, str]]:
    path = resources.files("aiconfigurator_core").joinpath("systems", "silicon_sample.csv")
    with path.open(encoding="utf-8") as f:
        return {r["id"]: r for r in csv.DictReader(f)}


def _pick_version(system: str, backend: str, wanted: str) -> tuple[str, str]:
    """The row's database version when it is queryable, else AIConfigurator's default (``current``)."""
    from aiconfigurator_core.sdk.perf_database import get_version_slots

    slots = get_version_slots(system, backend) or {}
    if wanted and wanted in slots.values():
        return wanted, "row version (queryable)"
    return slots.get("current", ""), f"row version {wanted or '(blank)'} not queryable; AIC default (current)"


def _args_for(row: dict[str, str], sample: dict[str, dict[str, str]]) -> dict[str, Any]:
    tp, pp, count = int(row["tp"]), max(int(row["pp"]), 1), int(row["count"])
    dp = max(count // (tp * pp), 1)
    moe = row["model"] in MOE_MODELS
    ep = max(_int0(row["ep"]), 1)
    moe_ep = (ep if ep > 1 else 1) if moe else None
    moe_tp = (1 if ep > 1 else tp * dp) if moe else None
    batch = int(row["batch_size"]) // dp
    system = SYSTEMS[row["accelerator"]]
    s = sample.get(row["source_id"])
    checks = []
    if s is not None:
        model_path = s["model_path"]
        gemm, moe_q = s["gemm_quant_mode"] or None, s["moe_quant_mode"] or None
        theirs = {
            "system": s["system"],
            "backend": s["backend"],
            "tp": _int0(s["tp_size"]),
            "pp": max(_int0(s["pp_size"]), 1),
            "dp": max(_int0(s["attention_dp_size"]), 1),
            "batch": _int0(s["batch_size"]),
            "isl": _int0(s["isl"]),
            "osl": _int0(s["osl"]),
        }
        mine = {
            "system": system,
            "backend": row["framework"],
            "tp": tp,
            "pp": pp,
            "dp": dp,
            "batch": batch,
            "isl": int(row["input_tokens"]),
            "osl": int(row["output_tokens"]),
        }
        checks = [f"{k} {mine[k]}!={theirs[k]}" for k in mine if mine[k] != theirs[k]]
        if moe:
            t_ep, t_tp = max(_int0(s["moe_ep_size"]), 1), max(_int0(s["moe_tp_size"]), 1)
            if (t_ep, t_tp) != (moe_ep, moe_tp):
                checks.append(f"moe ep/tp {moe_ep}/{moe_tp}!={t_ep}/{t_tp} (AIC gets the sample's)")
                moe_ep, moe_tp = t_ep, t_tp
        check = "; ".join(checks) or "ok (silicon_sample row)"
    else:
        model_path = MODEL_PATHS[row["model"]]
        gemm = moe_q = QUANT[row["precision"]]
        check = "row id not in bundled silicon_sample: model path and quant modes derived"
    if model_path in BUNDLED_MODEL_PATHS:
        model_path = BUNDLED_MODEL_PATHS[model_path]
        check += f"; model config: bundled {model_path}"
    version, note = _pick_version(system, row["framework"], row["framework_version"])
    kwargs: dict[str, Any] = {
        "model_path": model_path,
        "system_name": system,
        "mode": "agg",
        "backend_name": row["framework"],
        "backend_version": version,
        "isl": int(row["input_tokens"]),
        "osl": int(row["output_tokens"]),
        "gemm_quant_mode": gemm,
        "moe_quant_mode": moe_q if moe else None,
        "batch_size": batch,
        "tp_size": tp,
        "pp_size": pp,
        "attention_dp_size": dp,
    }
    if moe:
        kwargs["moe_tp_size"] = moe_tp
        kwargs["moe_ep_size"] = moe_ep
    return {"kwargs": kwargs, "note": note, "check": check}


def _estimate(kwargs: dict[str, Any]) -> tuple[float, float] | str:
    from aiconfigurator.cli.api import cli_estimate

    sink = io.StringIO()
    try:
        with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
            r = cli_estimate(**kwargs)
        return (float(r.ttft), float(r.tpot))
    except Exception as exc:
        msg = " ".join(str(exc).split())
        return f"{type(exc).__name__}: {msg[:300]}"


def predict(out: Path, workers: int, limit: int | None) -> None:
    try:
        import aiconfigurator  # noqa: F401
        import aiconfigurator_core  # noqa: F401
    except ImportError:
        sys.exit(
            "aiconfigurator is not installed in this Python. Install it in a scratch venv "
            "(python3 -m venv /tmp/aicvenv && /tmp/aicvenv/bin/pip install aiconfigurator) and run "
            "this script with that venv's python; it is not a Stackplan dependency."
        )
    sample = _silicon_sample()
    jobs: list[dict[str, Any]] = []
    for split, name in FILES.items():
        for row in _read_ours(name)[:limit]:
            a = _args_for(row, sample)
            jobs.append({"file": split, "row": row, **a})
    keys = {tuple(sorted(j["kwargs"].items())) for j in jobs}
    unique = [dict(k) for k in keys]
    print(f"{len(jobs)} rows, {len(unique)} distinct estimates, {workers} workers", file=sys.stderr)
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = dict(zip(keys, pool.map(_estimate, unique, chunksize=8), strict=True))
    with out.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, OUT_FIELDS, lineterminator="\n")
        w.writeheader()
        for j in jobs:
            row, kw = j["row"], j["kwargs"]
            res = results[tuple(sorted(kw.items()))]
            ok = not isinstance(res, str)
            w.writerow(
                {
                    "file": j["file"],
                    **{k: row.get(k, "") for k in OUT_FIELDS[1:16]},
                    "aic_model_path": kw["model_path"],
                    "aic_system": kw["system_name"],
                    "aic_version": kw["backend_version"],
                    "aic_version_note": j["note"],
                    "aic_gemm_quant_mode": kw["gemm_quant_mode"] or "",
                    "aic_moe_quant_mode": kw["moe_quant_mode"] or "",
                    "aic_batch_size": kw["batch_size"],
                    "aic_attention_dp_size": kw["attention_dp_size"],
                    "aic_moe_tp_size": kw.get("moe_tp_size", ""),
                    "aic_moe_ep_size": kw.get("moe_ep_size", ""),
                    "args_check": j["check"],
                    "aic_ttft_ms": f"{res[0]:.4f}" if ok else "",
                    "aic_tpot_ms": f"{res[1]:.4f}" if ok else "",
                    "aic_failure": "" if ok else res,
                }
            )
    failed = sum(isinstance(v, str) for v in results.values())
    print(f"wrote {out}; {failed} of {len(unique)} distinct estimates failed", file=sys.stderr)


# ----------------------------------------------------------------------------------------------- compare


def _median_abs(xs: Iterable[float]) -> float:
    return statistics.median(abs(x) for x in xs)


def _stackplan_errors() -> dict[tuple[str, str, str], float]:
    """(split, source_id, 'TTFT'|'TPOT') -> Stackplan's predicted / measured - 1."""
    from stackplan.validation.inference import heldout_latency_cases, latency_cases

    out = {}
    for split, fn in (("in-sample", latency_cases), ("held-out", heldout_latency_cases)):
        for c in fn():
            out[(split, c.source.rsplit(" ", 1)[1], c.quantity)] = c.error
    return out


def compare(predictions: Path) -> None:
    with predictions.open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    sp = _stackplan_errors()
    groups: dict[tuple[str, str], list[dict[str, float]]] = defaultdict(list)
    counts: dict[tuple[str, str], list[int]] = defaultdict(lambda: [0, 0, 0, 0])
    for r in rows:
        split = r["file"]
        gkey = f"{r['accelerator']} {r['model']} {r['framework']} {r['precision']}"
        aic_ok = bool(r["aic_ttft_ms"])
        sp_ok = (split, r["source_id"], "TTFT") in sp
        for g in (("overall", split), (gkey, split)):
            c = counts[g]
            c[0] += 1
            c[1] += aic_ok
            c[2] += sp_ok
            c[3] += aic_ok and sp_ok
            if aic_ok and sp_ok:
                groups[g].append(
                    {
                        "aic_ttft": float(r["aic_ttft_ms"]) / float(r["ttft_ms"]) - 1,
                        "aic_tpot": float(r["aic_tpot_ms"]) / float(r["tpot_ms"]) - 1,
                        "sp_ttft": sp[(split, r["source_id"], "TTFT")],
                        "sp_tpot": sp[(split, r["source_id"], "TPOT")],
                    }
                )
    fmt: Callable[[float], str] = lambda x: f"{100 * x:.0f} %"  # noqa: E731
    print(
        "| file | group (accelerator model framework precision) | rows | AIC predicted | Stackplan predicted "
        "| both | AIC TTFT | Stackplan TTFT | AIC TPOT | Stackplan TPOT |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    order = sorted(counts, key=lambda g: (g[1] != "in-sample", g[0] != "overall", g[0]))
    for g in order:
        n, na, ns, nb = counts[g]
        e = groups.get(g, [])
        cells = [fmt(_median_abs(x[k] for x in e)) if e else "n/a" for k in ("aic_ttft", "sp_ttft")]
        cells += [fmt(_median_abs(x[k] for x in e)) if e else "n/a" for k in ("aic_tpot", "sp_tpot")]
        name = f"**{g[0]}**" if g[0] == "overall" else g[0]
        print(f"| {g[1]} | {name} | {n} | {na} | {ns} | {nb} | {' | '.join(cells)} |")
    print("\nFurther figures on the rows both tools predicted (TTFT, TPOT):")
    for split in ("in-sample", "held-out"):
        e = groups.get(("overall", split), [])
        if not e:
            continue
        for q in ("ttft", "tpot"):
            a = [x[f"aic_{q}"] for x in e]
            b = [x[f"sp_{q}"] for x in e]
            p90 = [statistics.quantiles([abs(v) for v in xs], n=10)[-1] for xs in (a, b)]
            within = [sum(abs(v) <= 0.25 for v in xs) / len(xs) for xs in (a, b)]
            closer = sum(abs(y) < abs(x) for x, y in zip(a, b, strict=True))
            print(
                f"  {split} {q.upper()}: median signed AIC {fmt(statistics.median(a))}, Stackplan "
                f"{fmt(statistics.median(b))}; within 25 % {fmt(within[0])} / {fmt(within[1])}; "
                f"90th percentile |error| {fmt(p90[0])} / {fmt(p90[1])}; Stackplan closer on {closer} of {len(e)}"
            )
    fails: dict[str, int] = defaultdict(int)
    for r in rows:
        if r["aic_failure"]:
            fails[f"{r['file']}: {r['aic_failure'][:140]}"] += 1
    if fails:
        print("\nAIConfigurator failures (rows):")
        for k, v in sorted(fails.items(), key=lambda kv: -kv[1]):
            print(f"  {v:4d}  {k}")
    notes: dict[str, int] = defaultdict(int)
    for r in rows:
        notes[
            f"{r['file']} {r['aic_system']} {r['framework']} {r['framework_version'] or '(blank)'} -> "
            f"{r['aic_version']} [{r['aic_version_note']}]"
        ] += 1
    print("\nDatabase versions used (rows):")
    for k, v in sorted(notes.items()):
        print(f"  {v:4d}  {k}")
    checks = defaultdict(int)
    for r in rows:
        checks[r["args_check"]] += 1
    print("\nArgument check against the silicon_sample row (rows):")
    for k, v in sorted(checks.items()):
        print(f"  {v:4d}  {k}")


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    pr = sub.add_parser("predict", help="predict every row with AIConfigurator (needs aiconfigurator)")
    pr.add_argument("--out", type=Path, default=Path("/tmp/aic_predictions.csv"))
    pr.add_argument("--workers", type=int, default=2)
    pr.add_argument("--limit", type=int, default=None, help="first N rows of each file (a smoke test)")
    co = sub.add_parser("compare", help="median |error| table, AIConfigurator vs Stackplan")
    co.add_argument("--predictions", type=Path, default=Path("/tmp/aic_predictions.csv"))
    a = p.parse_args()
    if a.cmd == "predict":
        predict(a.out, a.workers, a.limit)
    else:
        compare(a.predictions)


if __name__ == "__main__":
    main()
