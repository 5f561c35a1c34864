"""Build ``validation/data/serving_latency_heldout.csv`` from AIConfigurator's silicon sample.

Usage::

    PYTHONPATH=src python tools/build_heldout_serving.py SILICON_SAMPLE_CSV COMMIT > \
        src/stackplan/validation/data/serving_latency_heldout.csv
    PYTHONPATH=src python tools/build_heldout_serving.py SILICON_SAMPLE_CSV COMMIT --disaggregated > \
        src/stackplan/validation/data/serving_disaggregated_heldout.csv

``--disaggregated`` writes the disaggregated rows instead (separate prefill and decode workers): those
whose worker counts are recorded (``prefill_num_workers``, ``decode_num_workers``), so the two pools'
device counts are known, with each pool's layout, the clients and the measured TTFT and TPOT.

``SILICON_SAMPLE_CSV`` is ``aic-core/src/aiconfigurator_core/systems/silicon_sample.csv`` of
ai-dynamo/aiconfigurator (Apache-2.0) at ``COMMIT``. Selection: aggregated (non-disaggregated)
serving rows on H100, H200, B200, GB200, B300 and GB300 for models in Stackplan's catalogue (B300 and
GB300 rows and NVIDIA's own FP8 / NVFP4 checkpoints added 2026-11-27, after the chips entered the
catalogue; Kimi K2.5 the same day, after the model did, its INT4 weight-only rows once Stackplan
modelled that precision), not already in
``serving_latency_h100.csv``, whose MoE layout Stackplan can express (expert parallel or expert
tensor parallel, not both; a TP degree that divides the attention heads) and whose concurrency does not exceed one worker's batch (the number of
workers is not recorded). Only measured facts are copied (model, chip, framework, version,
precision, lengths, concurrency, parallelism, TTFT, TPOT) with the row id as source.
"""

from __future__ import annotations

import csv
import re
import sys
from collections.abc import Callable
from pathlib import Path

from stackplan.models.loader import resolve_model

MODELS = {
    "meta-llama/Llama-3.1-70B": "llama-3.1-70b",
    "meta-llama/Llama-3.1-70B-Instruct": "llama-3.1-70b",
    "meta-llama/Llama-3.1-8B-Instruct": "llama-3.1-8b",
    "Qwen/Qwen3-235B-A22B-FP8": "qwen3-235b-a22b",
    "Qwen/Qwen3-32B": "qwen3-32b",
    "deepseek-ai/DeepSeek-R1": "deepseek-r1",
    "deepseek-ai/DeepSeek-V3": "deepseek-v3",
    "openai/gpt-oss-120b": "gpt-oss-120b",
    "nvidia/Llama-3.1-8B-Instruct-FP8": "llama-3.1-8b",
    "nvidia/DeepSeek-R1-NVFP4": "deepseek-r1",
    "moonshotai/Kimi-K2.5": "kimi-k2.5",
}
MOE = {"qwen3-235b-a22b", "deepseek-r1", "deepseek-v3", "gpt-oss-120b", "kimi-k2.5"}
SYSTEMS = {
    "h100_sxm": "h100-sxm",
    "h200_sxm": "h200",
    "b200_sxm": "b200",
    "gb200": "gb200",
    "b300_sxm": "b300",
    "gb300": "gb300",
}
PRECISION = {"fp8": "fp8", "fp8_block": "fp8", "nvfp4": "fp4", "int4_wo": "int4", "": "bf16"}
#: The columns both sets share (:func:`_measurement_fields`).
MEASUREMENT_FIELDS = [
    "model",
    "accelerator",
    "framework",
    "framework_version",
    "precision",
    "kv_precision",
    "input_tokens",
    "output_tokens",
    "batch_size",
]
FIELDS = [
    *MEASUREMENT_FIELDS,
    "tp",
    "pp",
    "ep",
    "count",
    "ttft_ms",
    "tpot_ms",
    "speculative_draft_tokens",
    "speculative_acceptance",
    "source_id",
]

#: Speculative decoding of AIConfigurator's generated DeepSeek deployments: its SDK gave the DeepSeek
#: family one MTP draft token (``nextn = 1``) with an assumed acceptance of 0.85
#: (``sdk/task.py``, ``nextn = 1 if ctx.model_family == "DEEPSEEK" else 0`` and
#: ``nextn_accept_rates [0.85, 0, 0, 0, 0]`` at commit 5ef50c9 of 2026-01), and its TensorRT-LLM
#: rule turns ``nextn > 0`` into ``speculative_config: MTP`` (``generator/rule_plugin/trtllm.rule``).
#: Applied to the TensorRT-LLM DeepSeek-R1 rows of the dated sweep exports (``source_file=2026-...``),
#: whose TPOT is a median 0.58 of the database dump's DeepSeek-V3-named runs of the same
#: architecture, chip, layout, lengths and clients at 4-32 clients (21 pairs), 0.66 at 64 and 0.76 at
#: 128-256: a gain that shrinks as the decode step turns compute-bound, as verifying drafted tokens
#: does (the patch release between the two, 1.2.0rc6.post2 -> post3, would not halve a decode step).
#: The dump's runs and the SGLang sweep rows (0.67-0.91 of the dump's) keep none.
MTP_DRAFT_TOKENS = 1
MTP_ACCEPTANCE = 0.85


def _speculative(r: dict[str, str]) -> tuple[object, object]:
    """``(draft tokens, acceptance)`` of the deployment a record ran, or empty (see MTP_DRAFT_TOKENS)."""
    sweep = r["silicon_data_source"].startswith("source_file=2026-")
    if sweep and r["backend"] == "trtllm" and MODELS.get(r["model_path"]) == "deepseek-r1":
        return MTP_DRAFT_TOKENS, MTP_ACCEPTANCE
    return "", ""


#: The largest TP degree of one aggregated worker taken as such. The 2026-04-06 export records DeepSeek-R1
#: on GB200 at "TP" 28, 32, 48 and 64 for the same sweep: GPU counts of whole deployments, not one
#: 64-way tensor-parallel worker (28 and 48 divide no head count and were already left out).
MAX_AGG_TP = 16

#: Catalogue models with one architecture: a measurement recorded under both names is one measurement.
SAME_ARCHITECTURE = {"deepseek-v3": "deepseek-r1"}


def _concurrency(r: dict[str, str]) -> str:
    m = re.search(r"silicon_concurrency=(\d+)", r["silicon_data_source"]) or re.search(r"_c(\d+)_", r["id"])
    return m.group(1) if m else ""


def _one_record_per_measurement(
    rows: list[dict[str, str]], seen: set[str], layout: Callable[[dict[str, str]], object | None]
) -> set[str]:
    """Ids of the records to use: one per measurement, none for ambiguous or in-sample ones.

    The sample holds some measurements several times, from different exports (a database dump
    ``..._cfgNNN``, dated result files ``2026_04_06_...``, gap-analysis files): same model (DeepSeek-R1
    and -V3, one architecture, count as one: the dump names some R1 runs V3), chip,
    framework, version, lengths, clients, TTFT (to 0.1 ms) and TPOT (to 0.01 ms). A measurement
    counts once: its first record whose ``layout`` Stackplan can use. Where two usable records
    disagree on the layout (e.g. Kimi K2.5 on B200: the dump says TP4 x attention DP 4 with EP16 on
    16 GPUs, the gap analysis TP4 EP4 on 4, and the dated file's id says ``tp4_ep4``) the deployment
    is not known and the measurement is left out; so is one any record of which is in the in-sample
    set (``seen``). Records the builder cannot use anyway (e.g. the dated export's "TP 64 with MoE
    TP 8 x EP 8" for an 8-GPU run) do not make a measurement ambiguous.
    """
    groups: dict[tuple[str, ...], list[dict[str, str]]] = {}
    for r in rows:
        if not (r["silicon_ttft_ms"] and r["silicon_tpot_ms"]):
            continue
        model = MODELS.get(r["model_path"]) or DISAGG_MODELS.get(r["model_path"]) or r["model_path"]
        key = (
            SAME_ARCHITECTURE.get(model, model),
            r["system"],
            r["backend"],
            r["backend_version"],
            r["mode"],
            r["isl"],
            r["osl"],
            _concurrency(r),
            f"{float(r['silicon_ttft_ms']):.1f}",
            f"{float(r['silicon_tpot_ms']):.2f}",
        )
        groups.setdefault(key, []).append(r)
    keep: set[str] = set()
    dropped = {"duplicate": 0, "ambiguous layout": 0, "in-sample": 0}
    for records in groups.values():
        usable = [r for r in records if layout(r) is not None]
        if any(r["id"] in seen for r in records):
            dropped["in-sample"] += len(records) - sum(r["id"] in seen for r in records)
        elif len({repr(layout(r)) for r in usable}) > 1:
            dropped["ambiguous layout"] += len(records)
        else:
            keep.add((usable or records)[0]["id"])
            dropped["duplicate"] += len(records) - 1
    print(f"# records left out: {dropped}", file=sys.stderr)
    return keep


def _measurement_fields(r: dict[str, str], clients: int) -> dict[str, object]:
    """The columns both sets share: model, chip, framework, precisions, lengths and clients."""
    prec = PRECISION[r["gemm_quant_mode"]]
    return {
        "model": MODELS.get(r["model_path"]) or DISAGG_MODELS[r["model_path"]],
        "accelerator": SYSTEMS[r["system"]],
        "framework": r["backend"],
        "framework_version": r["backend_version"],
        "precision": prec,
        "kv_precision": "fp8" if (r["backend"] == "trtllm" and prec in ("fp8", "fp4")) else "bf16",
        "input_tokens": r["isl"],
        "output_tokens": r["osl"],
        "batch_size": clients,
    }


def _agg_layout(r: dict[str, str]) -> tuple[int, int, int, int, int] | None:
    """``(tp, pp, ep, devices, clients)`` of an aggregated record in Stackplan's terms, or None.

    None where the record is not one to use or its layout cannot be expressed (see the module
    docstring).
    """
    model = MODELS.get(r["model_path"])
    if r["mode"] != "agg" or model is None or r["system"] not in SYSTEMS:
        return None
    if r["silicon_data_source"].startswith("source_file=/Users") and r["system"] == "h100_sxm":
        return None  # the 706 calibration rows
    if r["gemm_quant_mode"] not in PRECISION:
        return None
    tp, pp = int(r["tp_size"]), max(int(r["pp_size"] or 1), 1)
    dp = max(int(r["attention_dp_size"] or 1), 1)
    ep, moe_tp = max(int(r["moe_ep_size"] or 1), 1), max(int(r["moe_tp_size"] or 1), 1)
    if model in MOE:
        if moe_tp * ep != tp * dp or (moe_tp > 1 and ep > 1):
            return None
    else:
        ep = 1
    conc = int(_concurrency(r) or int(r["batch_size"]) * dp)
    if resolve_model(model).heads % tp:
        return None  # TP that does not divide the attention heads: an attention-DP layout recorded as TP
    if tp > MAX_AGG_TP:
        return None  # GPUs of a whole deployment recorded as TP (beside TP 28 and 48 of the same sweep)
    if conc > int(r["batch_size"]) * dp:
        return None  # more clients than one worker's batch: worker count not recorded, layout ambiguous
    return tp, pp, ep, tp * dp * pp, conc


def main(path: str, commit: str) -> None:
    here = Path(__file__).resolve().parents[1]
    seen_path = here / "src/stackplan/validation/data/serving_latency_h100.csv"
    with seen_path.open(encoding="utf-8") as f:
        seen = {r["source_id"] for r in csv.DictReader(f)}
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = csv.DictWriter(sys.stdout, FIELDS, lineterminator="\n")
    print("# schema_version: 1")
    print("# catalog: serving latency at fixed concurrency, held out (not used to build the model)")
    print(
        f"# source: ai-dynamo/aiconfigurator commit {commit}, "
        "aic-core/src/aiconfigurator_core/systems/silicon_sample.csv (Apache-2.0); source_id = its row id"
    )
    print(
        "# units: ttft_ms, tpot_ms mean over the benchmark's requests [ms]; batch_size = concurrent "
        "requests of the whole deployment; count = devices; ep = expert-parallel degree (1 dense); "
        "speculative_draft_tokens, speculative_acceptance: MTP draft tokens per step and their assumed "
        "acceptance where the deployment speculated (empty: none; see tools/build_heldout_serving.py)"
    )
    out.writeheader()
    keep = _one_record_per_measurement(rows, seen, _agg_layout)
    n = 0
    for r in rows:
        layout = _agg_layout(r)
        if layout is None or r["id"] not in keep:
            continue
        tp, pp, ep, count, conc = layout
        draft_tokens, acceptance = _speculative(r)
        out.writerow(
            {
                **_measurement_fields(r, conc),
                "tp": tp,
                "pp": pp,
                "ep": ep,
                "count": count,
                "ttft_ms": f"{float(r['silicon_ttft_ms']):.3f}",
                "tpot_ms": f"{float(r['silicon_tpot_ms']):.4f}",
                "speculative_draft_tokens": draft_tokens,
                "speculative_acceptance": acceptance,
                "source_id": r["id"],
            }
        )
        n += 1
    print(f"# rows: {n}", file=sys.stderr)


DISAGG_FIELDS = [
    *MEASUREMENT_FIELDS,
    "prefill_devices",
    "prefill_tp",
    "prefill_ep",
    "prefill_pp",
    "prefill_batch_size",
    "decode_devices",
    "decode_tp",
    "decode_ep",
    "decode_pp",
    "decode_batch_size",
    "count",
    "ttft_ms",
    "tpot_ms",
    "source_id",
]


def _pool(r: dict[str, str], stage: str, moe: bool) -> tuple[int, int, int, int] | None:
    """(devices, tp, ep, pp) of one pool in Stackplan's terms, or None when it cannot express it.

    A worker spans ``tp x attention-DP x pp`` GPUs. Experts spread expert-parallel over the worker's
    attention ranks are ``ep = tp x dp``; experts sliced tensor-parallel (``moe_tp = tp``) without
    attention DP are plain TP (``ep = 1``); attention DP with sliced experts is not expressible.
    """
    workers = int(r[f"{stage}_num_workers"])
    tp, pp = int(r[f"{stage}_tp_size"]), max(int(r[f"{stage}_pp_size"] or 1), 1)
    dp = max(int(r[f"{stage}_attention_dp_size"] or 1), 1)
    ep, moe_tp = max(int(r[f"{stage}_moe_ep_size"] or 1), 1), max(int(r[f"{stage}_moe_tp_size"] or 1), 1)
    if moe:
        if ep > 1 and moe_tp == 1 and ep == tp * dp:
            return workers * tp * dp * pp, tp, ep, pp
        if ep == 1 and dp == 1 and moe_tp in (1, tp):
            return workers * tp * pp, tp, 1, pp
        return None
    if dp != 1:
        return None
    return workers * tp * pp, tp, 1, pp


def _disaggregated_layout(
    r: dict[str, str],
) -> tuple[tuple[int, int, int, int], tuple[int, int, int, int], int] | None:
    """``(prefill pool, decode pool, clients)`` of a disaggregated record, or None (:func:`_pool`)."""
    model = MODELS.get(r["model_path"]) or DISAGG_MODELS.get(r["model_path"])
    if r["mode"] != "disagg" or model is None or r["system"] not in SYSTEMS:
        return None
    if not (r["prefill_num_workers"] and r["decode_num_workers"]) or r["gemm_quant_mode"] not in PRECISION:
        return None
    moe = model in MOE
    pre, dec = _pool(r, "prefill", moe), _pool(r, "decode", moe)
    if pre is None or dec is None:
        return None
    heads = resolve_model(model).heads
    if heads % pre[1] or heads % dec[1] or not _concurrency(r):
        return None
    return pre, dec, int(_concurrency(r))


def disaggregated(path: str, commit: str) -> None:
    with open(path, encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    out = csv.DictWriter(sys.stdout, DISAGG_FIELDS, lineterminator="\n")
    print("# schema_version: 1")
    print(
        "# catalog: serving latency of disaggregated prefill and decode pools at fixed concurrency, "
        "held out (not used to build the model)"
    )
    print(
        f"# source: ai-dynamo/aiconfigurator commit {commit}, "
        "aic-core/src/aiconfigurator_core/systems/silicon_sample.csv (Apache-2.0); source_id = its row id"
    )
    print(
        "# units: ttft_ms, tpot_ms mean over the benchmark's requests [ms]; batch_size = concurrent clients "
        "of the whole deployment; *_devices = workers x GPUs per worker of each pool; *_tp, *_ep, *_pp the "
        "pool's layout in Stackplan's terms (tp 1 ep N = attention DP N + EP N); *_batch_size the workers' "
        "max_batch_size (per attention-DP rank); count = both pools"
    )
    out.writeheader()
    keep = _one_record_per_measurement(rows, set(), _disaggregated_layout)
    n = 0
    for r in rows:
        layout = _disaggregated_layout(r)
        if layout is None or r["id"] not in keep:
            continue
        pre, dec, conc = layout
        out.writerow(
            {
                **_measurement_fields(r, conc),
                "prefill_devices": pre[0],
                "prefill_tp": pre[1],
                "prefill_ep": pre[2],
                "prefill_pp": pre[3],
                "prefill_batch_size": r["prefill_batch_size"],
                "decode_devices": dec[0],
                "decode_tp": dec[1],
                "decode_ep": dec[2],
                "decode_pp": dec[3],
                "decode_batch_size": r["decode_batch_size"],
                "count": pre[0] + dec[0],
                "ttft_ms": f"{float(r['silicon_ttft_ms']):.3f}",
                "tpot_ms": f"{float(r['silicon_tpot_ms']):.4f}",
                "source_id": r["id"],
            }
        )
        n += 1
    print(f"# rows: {n}", file=sys.stderr)


#: Checkpoints that appear only among the disaggregated rows (NVIDIA's NVFP4 Qwen3-32B).
DISAGG_MODELS = {"nvidia/Qwen3-32B-NVFP4": "qwen3-32b"}


if __name__ == "__main__":
    if "--disaggregated" in sys.argv[3:]:
        disaggregated(sys.argv[1], sys.argv[2])
    else:
        main(sys.argv[1], sys.argv[2])
