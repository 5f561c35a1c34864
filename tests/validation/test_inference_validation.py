"""Inference predictions against published serving measurements (sources in validation/data).

Targets (issue 3): maximum throughput median |error| <= 10 %, none beyond 25 %; TTFT and TPOT at
fixed concurrency within 15 % median. Targets the model does not meet yet are marked ``xfail``
with the figure reached, so an improvement shows up as an unexpected pass (strict).
"""

from __future__ import annotations

import dataclasses
import itertools
import statistics

import pytest

from stackplan.catalog import get_accelerator
from stackplan.catalog.serving import get_inference_efficiency
from stackplan.perf.inference import predict_inference, serving_framework_for
from stackplan.perf.power_cap import sustained_clock_ratio
from stackplan.validation import ValidationCase, all_cases
from stackplan.validation.accuracy import inference_accuracy
from stackplan.validation.inference import (
    _arch,
    _read,
    disaggregated_latency_cases,
    disaggregated_skipped,
    heldout_latency_cases,
    heldout_skipped,
    latency_cases,
    throughput_cases,
)


def _now(quantity: str, split: str = "held-out", *, disaggregated: bool = False) -> str:
    """The current median |error| and case count of a quantity, from the shipped accuracy file.

    The file is rebuilt from these cases and a test fails when it no longer matches the model, so
    a reason built from it states the current figure (the history that follows it does not move).
    """
    r = inference_accuracy(split, disaggregated=disaggregated)[quantity]
    return f"{r.median_abs_error * 100:.1f} % on {r.cases:,} rows"


def _abs(cases: list[ValidationCase]) -> list[float]:
    return [abs(c.error) for c in cases]


def _kind(kind: str) -> list[ValidationCase]:
    return [c for c in (*throughput_cases(), *latency_cases()) if c.kind == kind]


def test_every_case_has_a_source_and_finite_prediction() -> None:
    cases = [*throughput_cases(), *latency_cases()]
    assert len(latency_cases()) == 2 * 706
    assert len(throughput_cases()) >= 12
    for c in cases:
        assert c.source
        assert c.predicted > 0
        assert c.predicted == c.predicted


def test_registered_with_validate() -> None:
    kinds = {c.kind for c in all_cases() if c.category == "inference"}
    assert {"max throughput", "serving TTFT", "serving TPOT"} <= kinds


def test_tpot_at_fixed_concurrency_median_within_15_percent() -> None:
    assert statistics.median(_abs(_kind("serving TPOT"))) <= 0.15


@pytest.mark.xfail(
    strict=True,
    reason=f"TTFT median |error| is {_now('ttft_ms', 'in-sample')} (21.5 % on 2026-11-27; 21.6 % before vLLM's queued prompts shared the waiting prompt's iteration; "
    "23.0 % before a prompt arriving at random waited out a length-biased "
    "iteration in flight, vLLM 24.7 -> 20.0 %; 22.8 % with the ring all-reduce, 23.9 % before a prompt longer than the "
    "chunk ended with its remainder; "
    "by group, re-measured 2026-11-27: SGLang Qwen3-32B 10 %, vLLM Llama-3.1-70B 10 %, TensorRT-LLM Qwen3-235B 20 %, "
    "Qwen3-32B 23 %, Llama-3.1-8B 38 % (its measured TTFT grows by one inter-completion interval, output x TPOT / "
    "clients, not modelled), vLLM 0.12 Qwen3-32B 23 % (signed -22 %; at 8 clients measured up to 2x the prediction, flat in the output length))",
)
def test_ttft_at_fixed_concurrency_median_within_15_percent() -> None:
    assert statistics.median(_abs(_kind("serving TTFT"))) <= 0.15


def test_vllm_admits_on_current_kv_use_instead_of_queueing() -> None:
    # vLLM Llama-3.1-70B fp8 TP2, 1024 in / 8192 out, 32 clients: measured TTFT 289 ms. The full
    # 9216-token sequences of 32 requests do not fit (23 would), but their mean current length
    # (5120 tokens) does, and vLLM admits on current use, so nothing queues for memory.
    [case] = [
        c
        for c in _kind("serving TTFT")
        if c.subject.startswith("llama-3.1-70b vllm fp8 TP2 EP1 1024/8192 c32")
    ]
    assert case.published == pytest.approx(288.95)
    assert abs(case.error) <= 0.25


def test_max_throughput_median_within_10_percent() -> None:
    assert statistics.median(_abs(_kind("max throughput"))) <= 0.10


def test_max_throughput_dense_models_none_beyond_25_percent() -> None:
    dense = [c for c in _kind("max throughput") if c.group not in _MOE]
    assert len(dense) >= 8
    assert max(_abs(dense)) <= 0.25


def test_max_throughput_none_beyond_25_percent() -> None:
    assert max(_abs(_kind("max throughput"))) <= 0.25


_MOE = {"llama-4-maverick", "qwen3-235b-a22b", "qwen3-30b-a3b", "mixtral-8x7b", "deepseek-v3", "deepseek-r1"}


@pytest.mark.xfail(
    strict=True,
    reason="MLPerf v4.1 Server over-predicted +43 % (H100) / +37 % (MI300X) (+42 / +36 % before a lone client stopped queueing behind its own prompt; +44 / +36 % before the smooth GEMM roofline) with p99 limits under Poisson "
    "arrivals (+29 / +20 % before the OpenOrca input mean 222 replaced the assumed 294): the limits do not bind in "
    "the model; at the published load the logs show ~3.3x the model's TPOT; the same MI300X system's v5.1 Server "
    "result is 17 % higher (software), and the model is within 16 % of it",
)
def test_mlperf_server_within_15_percent() -> None:
    server = _kind("server throughput")
    assert len(server) == 2
    assert max(_abs(server)) <= 0.15


def _heldout(kind: str) -> list[ValidationCase]:
    return [c for c in heldout_latency_cases() if c.kind == kind]


def test_heldout_set_is_distinct_sourced_and_predicted() -> None:
    seen = {c.id for c in latency_cases()}
    cases = heldout_latency_cases()
    assert len(cases) >= 2 * 950
    assert not seen & {c.id for c in cases}
    assert {c.split for c in cases} == {"held-out"}
    chips = {c.subject.split()[0] for c in cases}
    assert {"h200", "b200", "gb200"} <= chips
    for c in cases:
        assert "aiconfigurator" in c.source
        assert c.predicted > 0
    # only layouts that do not fit are skipped (DeepSeek fp8 on 4x B200), never a crash
    assert set(heldout_skipped()) <= {"DoesNotFitError"}
    assert sum(heldout_skipped().values()) <= 0.03 * len(cases) / 2


def test_heldout_tpot_median_within_15_percent() -> None:
    # 12.1 % (12.3 % before the queued and cohort prompts were counted once per lifetime) with the 387 gpt-oss-120b rows (16.5 % on them with vLLM >= 0.14's asynchronous scheduling,
    # 21.9 % without; 22.8 % before prompt tokens skipped the head; with the published MXFP4-expert checkpoint,
    # 22.2 % at the first prediction with NVFP4 for every weight: 13.6 % overall); 11.4 % on the other
    # 973 (10.4 % before the measured MoE kernels of moe_kernels.csv: TensorRT-LLM DeepSeek rows on
    # B200 went from +14 to +41 %); 11.6 % after the decode mechanisms of docs/inference-model.md
    # "Held-out TPOT" (was 20.5 %)
    assert statistics.median(_abs(_heldout("serving TPOT (held-out)"))) <= 0.15


def _gpt_oss() -> list[ValidationCase]:
    return [c for c in heldout_latency_cases() if "gpt-oss-120b" in c.group]


def _int4(kind: str) -> list[ValidationCase]:
    return [c for c in _heldout(f"serving {kind} (held-out)") if c.group.endswith("vllm int4")]


def test_heldout_int4_weight_only_rows() -> None:
    # Kimi K2.5's published INT4 weight-only checkpoint (experts W4A16 through vLLM's Marlin MoE
    # kernel, the rest bf16) on 8x B200 (vLLM 0.15.1) and 8x H200 (vLLM 0.16.0, two runs of each
    # point), TP8, 4-64 clients; predicted before anything was tuned on them. Decode is the
    # measured Marlin kernel's expert streaming (B200 0.41, H200 0.59 of peak HBM): TPOT 6.4 %.
    # TTFT is under-predicted by a median 24 % (the prompt's expert GEMMs: the same sweeps run
    # the Marlin MoE at 8-17 % of the bf16 peak at 16,384 tokens, below the 0.6 x bf16 efficiency
    # the model assumes for expert GEMMs; docs/inference-model.md).
    ttft, tpot = _int4("TTFT"), _int4("TPOT")
    assert len(ttft) == len(tpot) == 45
    assert {c.subject.split()[0] for c in ttft} == {"b200", "h200"}
    assert statistics.median(_abs(tpot)) <= 0.10
    assert statistics.median(_abs(ttft)) <= 0.30
    assert all(c.error < 0 for c in ttft if "8192/1024" in c.subject)  # prompt-heavy: under-predicted


def test_heldout_gpt_oss_rows_cover_chips_and_frameworks() -> None:
    # A model the engine was not built on (sliding-window attention, 128 experts top-4, MXFP4
    # experts): AIConfigurator's silicon sample at 095f58a, H100/H200/B200, TensorRT-LLM and vLLM;
    # 320 measurements once the sample's repeated records of one measurement count once (387 before).
    cases = _gpt_oss()
    assert len(cases) == 2 * 320
    assert {c.subject.split()[0] for c in cases} == {"h100-sxm", "h200", "b200"}
    assert {c.group.split("/ ")[1].split()[0] for c in cases} == {"trtllm", "vllm"}


@pytest.mark.xfail(
    strict=True,
    reason=f"held-out TTFT median |error| is {_now('ttft_ms')} (29.7 % on 1,212 rows on 2026-11-27, each measurement once; 31.5 % on the 1,117 "
    "before Kimi K2.5, whose 50 NVFP4 rows are at 18.4 % and 45 INT4 weight-only rows at 23.8 % at first "
    "prediction; 32.2 % on 1,381 before the sample's "
    "repeated records were merged, 31.5 % on the 1,350 before the 31 rows of 2026-11-27: B300 SGLang "
    "DeepSeek-V3 and NVIDIA's FP8 Llama-3.1-8B checkpoint on H200 vLLM, +68 % signed; 31.6 % before SGLang's own admission rule, 31.7 % before the length-biased in-flight "
    "iteration; 32.0 % with the ring all-reduce; 32.1 % on 1,360 "
    "before SGLang's budget by GPU memory; 37.8 % before a prompt longer "
    "than the chunk ended with its remainder; framework scheduling, see docs; 13 pairs of rows with the "
    "same prediction inputs differ by a median 31 %, while repeat runs of one setup agree within 4 %, the test "
    "below)",
)
def test_heldout_ttft_median_within_15_percent() -> None:
    assert statistics.median(_abs(_heldout("serving TTFT (held-out)"))) <= 0.15


def _prediction_inputs(row: dict[str, str]) -> tuple[object, ...]:
    """Everything of a latency row the prediction reads: the architecture (DeepSeek-R1 and -V3
    share one, compared field by field less name and source), chip, framework and version,
    precisions, lengths, concurrency and layout."""
    arch = dataclasses.asdict(_arch(row["model"]))
    arch.pop("name")
    arch.pop("source")
    columns = ("accelerator", "framework", "framework_version", "precision", "kv_precision")
    columns += ("speculative_draft_tokens", "speculative_acceptance")
    numbers = ("input_tokens", "output_tokens", "batch_size", "tp", "pp", "ep", "count")
    return (repr(sorted(arch.items())), *(row[c] for c in columns), *(int(row[c]) for c in numbers))


def test_heldout_mtp_rows_decode_faster_at_small_batch_than_the_same_runs_without() -> None:
    # The TensorRT-LLM DeepSeek-R1 rows marked as running one MTP draft token (AIConfigurator's
    # default for the DeepSeek family) against the dump's runs of the same architecture, chip,
    # precision, layout, lengths and clients, measured values only: speculative decoding gains most
    # where the decode step is memory-bound and less once verifying the drafts costs compute, so the
    # TPOT ratio is well under 1 at few clients and nearer 1 at many. One MTP token accepted at 0.85
    # gives at best 1 / 1.85 = 0.54 (free drafts), so a median far below that would mean more drafted
    # tokens or another difference; single pairs scatter (0.43-0.80 at 4-32 clients).
    same = ("accelerator", "precision", "tp", "pp", "ep", "count", "input_tokens", "output_tokens")
    runs: dict[tuple[object, ...], dict[bool, float]] = {}
    for row in _read("serving_latency_heldout.csv"):
        if row["model"] not in ("deepseek-r1", "deepseek-v3") or row["framework"] != "trtllm":
            continue
        key = (*(row[c] for c in same), int(row["batch_size"]))
        runs.setdefault(key, {})[bool(row["speculative_draft_tokens"])] = float(row["tpot_ms"])
    pairs = [(int(k[-1]), v[True] / v[False]) for k, v in runs.items() if len(v) == 2]
    few = [ratio for clients, ratio in pairs if clients <= 32]
    many = [ratio for clients, ratio in pairs if clients >= 128]
    assert len(few) >= 15
    assert len(many) >= 3
    assert 0.5 < statistics.median(few) < 0.65
    assert statistics.median(many) > statistics.median(few) + 0.1


def test_heldout_deepseek_r1_trtllm_tpot_with_its_mtp_deployment() -> None:
    # The 87 TensorRT-LLM DeepSeek-R1 rows predicted with the MTP draft token their deployment ran
    # (median |error| 62 % without it: the model decoded one token per step where the runs took ~1.85).
    ids = {r["source_id"] for r in _read("serving_latency_heldout.csv") if r["speculative_draft_tokens"]}
    errors = [
        c.error for c in heldout_latency_cases() if c.quantity == "TPOT" and c.id.rsplit("-", 1)[0] in ids
    ]
    assert len(errors) == 87
    assert statistics.median(abs(e) for e in errors) < 0.25


def test_heldout_latency_rows_the_columns_cannot_tell_apart() -> None:
    # The held-out sample repeats configurations: rows whose every prediction input is the same.
    # Repeated records of one measurement (the same TTFT and TPOT from two exports) count once since
    # 2026-11-27 (295 such pairs before). Kimi K2.5's 17 repeats are runs of one setup weeks apart
    # (H200 INT4 on 2026-03-02 and 03-27) and agree to a median 3.5 % in TTFT and 0.6 % in TPOT:
    # the benchmark repeats well. The 13 other pairs ran settings the columns do not record
    # (attention DP on or off, scheduler and CUDA-graph options) and differ by a median 31 % in TTFT
    # and 23 % in TPOT. No model of the recorded columns can be nearer than that spread on those
    # rows (docs/inference-model.md, eleventh round).
    groups: dict[tuple[object, ...], list[tuple[str, float, float]]] = {}
    for row in _read("serving_latency_heldout.csv"):
        groups.setdefault(_prediction_inputs(row), []).append(
            (row["model"], float(row["ttft_ms"]), float(row["tpot_ms"]))
        )
    pairs = [(a, b) for rows in groups.values() for a, b in itertools.combinations(rows, 2) if a != b]
    same = sum(1 for rows in groups.values() for a, b in itertools.combinations(rows, 2) if a == b)
    assert same == 0
    repeats = [(a, b) for a, b in pairs if a[0] == "kimi-k2.5"]
    settings = [(a, b) for a, b in pairs if a[0] != "kimi-k2.5"]
    assert (len(repeats), len(settings)) == (17, 13)
    assert statistics.median(abs(a[1] / b[1] - 1.0) for a, b in repeats) < 0.05
    assert statistics.median(abs(a[2] / b[2] - 1.0) for a, b in repeats) < 0.01
    assert statistics.median(abs(a[1] / b[1] - 1.0) for a, b in settings) > 0.30
    assert statistics.median(abs(a[2] / b[2] - 1.0) for a, b in settings) > 0.20


# Held-out maximum throughput: the TensorRT-LLM Performance Overview (commit 00f3768) cells that
# were not in-sample (H200 and H100 FP8, B200 and GB200 FP4; dense and MoE), and MLPerf Inference
# v5.0/v5.1 closed Offline results (B200, GB200, GB300, H200, MI300X, MI325X), and AMD's published vLLM
# results on 8x MI300X at TP8, each predicted by the model as it stood when they were added
# (docs/inference-model.md, "Held-out maximum throughput").

_PERF_OVERVIEW_COMMIT = "00f37686aa854010d68bcbd0f4ab000221541ca6"


def _heldout_max() -> list[ValidationCase]:
    return [c for c in throughput_cases() if c.kind == "max throughput (held-out)"]


def _perf_overview() -> list[ValidationCase]:
    return [c for c in _heldout_max() if _PERF_OVERVIEW_COMMIT in c.source]


def _perf_overview_2026_11_27() -> list[ValidationCase]:
    # the page's RTX PRO 6000 tables and its Qwen3-30B-A3B rows, added 2026-11-27 (the chip and the model
    # had entered the catalogue since the other cells were read), first prediction, no constant changed
    return [
        c
        for c in _perf_overview()
        if c.group.split()[0] == "rtx-pro-6000" or c.group.split()[2] == "qwen3-30b-a3b"
    ]


def test_heldout_perf_overview_rtx_pro_6000_and_qwen3_30b_rows() -> None:
    # 118 RTX PRO 6000 cells (Llama 3.3 70B on 1/2/4/8 GPUs as PP1-PP8, Llama 3.1 405B PP8, Scout, Maverick,
    # Qwen3-235B and Qwen3-30B-A3B with TP x PP over PCIe) and 20 Qwen3-30B-A3B cells on one B200 / GB200.
    # First prediction: median |error| 18.2 %, 55 beyond 25 %; 17.8 %, 54 with the Grace host step per
    # sequence; 17.4 %, 53 with RTX PRO 6000's measured bf16 GEMM fraction (accelerators.csv); 19.9 %, 60 with
    # its measured FP8 / FP4 GEMMs (inference_efficiency.csv: Llama 3.3 70B PP1 / PP2 12.1 / 8.4 -> 5.0 / 6.3 %,
    # but PP4 / PP8 15.8 / 62.3 -> 29.7 / 76.3 %, signed, over: the GPU rate no longer hides the pipeline's
    # per-micro-batch host loop, docs/inference-model.md)
    # sequence (host_overhead.csv: GB200 Qwen3-30B-A3B 128/128 +145 -> +28 %). (RTX dense 13.5 %, RTX MoE 19.2 %, signed
    # -10 %: attention DP + EP over PCIe under-predicted; Qwen3-30B-A3B on one B200 / GB200 +36 % signed,
    # decode-heavy cells at batch 1,000-2,048 up to +145 % on GB200, whose Grace host runs the same
    # cells slower than B200's: per-sequence host work the model does not charge; Llama 3.3 70B PP8
    # +62 % where PP1-PP4 are -12..+13 %)
    cases = _perf_overview_2026_11_27()
    assert len(cases) == 138
    # hand-read from the page: RTX PRO 6000 8 GPUs TP1,PP8 (FP4), Llama 3.3 70B, 1000/1000: 8,166
    [cell] = [c for c in cases if c.id == "trtllm-llama3.3-70b-rtxpro6000x8-tp1pp8-fp4-1000-1000"]
    assert cell.published == 8166
    assert statistics.median(_abs(cases)) <= 0.20  # a guard at the first prediction, not the target


def _mlperf_heldout(kind: str = "max throughput (held-out)") -> list[ValidationCase]:
    return [c for c in throughput_cases() if c.kind == kind and c.id.startswith("mlperf5.")]


def _mlperf6(kind: str = "max throughput (held-out)") -> list[ValidationCase]:
    return [c for c in throughput_cases() if c.kind == kind and c.id.startswith("mlperf6.0-")]


def _mlperf61(kind: str = "max throughput (held-out)") -> list[ValidationCase]:
    return [c for c in throughput_cases() if c.kind == kind and c.id.startswith("mlperf6.1-")]


def _mlperf61_both(chip: str | None = None, model: str | None = None) -> list[ValidationCase]:
    """The v6.1 Offline and Server rows of one chip and/or model (``group`` = chip, precision, model)."""
    return [
        c
        for c in (*_mlperf61(), *_mlperf61("server throughput (held-out)"))
        if (chip is None or c.group.split()[0] == chip) and (model is None or c.group.split()[2] == model)
    ]


def _amd_vllm() -> list[ValidationCase]:
    return [c for c in _heldout_max() if c.id.startswith("amdperf-")]


def _issue_reports() -> list[ValidationCase]:
    return [c for c in _heldout_max() if c.id.startswith("issue13957-")]


def _power_limit() -> list[ValidationCase]:
    return [c for c in throughput_cases() if c.id.startswith("powerlimit-")]


def test_heldout_max_throughput_set_is_distinct_sourced_and_covers_chips_fp4_moe() -> None:
    cases = _heldout_max()
    assert len(cases) == 404
    assert len(_perf_overview()) == 320
    assert len(_perf_overview_2026_11_27()) == 138
    assert len(_mlperf_heldout()) == 16
    assert len(_mlperf41_new_chips()) == 5
    assert len(_amd_vllm()) == 8
    assert len(_issue_reports()) == 2
    assert len(_mlperf6()) == 26
    assert len(_mlperf61()) == 16
    assert len([c for c in _power_limit() if c.kind == "max throughput (held-out)"]) == 4
    assert {c.split for c in cases} == {"held-out"}
    assert not {c.id for c in cases} & {c.id for c in _kind("max throughput")}
    assert {c.group.split()[0] for c in _perf_overview()} == {
        "h100-sxm",
        "h200",
        "b200",
        "gb200",
        "rtx-pro-6000",
    }
    assert {c.group.split()[1] for c in cases} == {"fp8", "fp4"}
    assert {c.group.split()[2] for c in _perf_overview()} & _MOE == {
        "llama-4-maverick",
        "qwen3-235b-a22b",
        "qwen3-30b-a3b",
    }
    for c in cases:
        assert any(
            mark in c.source
            for mark in (
                _PERF_OVERVIEW_COMMIT,
                "mlcommons/inference_results_v5",
                "mlcommons/inference_results_v6",
                "mlcommons/inference_results_v4.1",
                "rocm-hub/dev-ai/performance-results",
                "github.com/NVIDIA/TensorRT-LLM/issues/13957",
            )
        )
        assert c.predicted > 0


def test_issue_report_rows_at_64_clients_within_25_percent() -> None:
    # TensorRT-LLM issue #13957: Llama-3.1-8B FP8 on one B200, 1,000/1,000 tokens at 64 clients,
    # TensorRT-LLM 13,806 and vLLM 0.20.1 15,638 output tokens/s, predicted without refitting
    cases = {c.framework: c for c in _issue_reports()}
    assert cases["trtllm"].published == 13806
    assert cases["vllm"].published == 15638
    for c in cases.values():
        assert "batch 64" in c.subject
        assert abs(c.error) <= 0.25, c.id


def test_a_stated_vllm_release_from_0_14_runs_asynchronous_scheduling() -> None:
    # the vLLM 0.20.1 row is predicted with the framework of that release (async scheduling on by
    # default since 0.14); an unrecorded release would be predicted synchronously, which costs
    # each iteration its CPU time on this decode-bound row
    [case] = [c for c in _issue_reports() if c.framework == "vllm"]
    fw = serving_framework_for("b200", "vllm")
    common = {
        "input_tokens": 1000,
        "output_tokens": 1000,
        "batch_size": 64,
        "precision": "fp8",
        "kv_precision": "bf16",
    }
    on = predict_inference(
        "llama-3.1-8b", "b200", 1, framework=fw.with_deployment(async_scheduling=True), **common
    )
    off = predict_inference(
        "llama-3.1-8b", "b200", 1, framework=fw.with_deployment(async_scheduling=False), **common
    )
    assert on.output_tokens_per_s > off.output_tokens_per_s
    assert case.predicted == pytest.approx(on.output_tokens_per_s, rel=1e-9)


def test_heldout_amd_vllm_rows_run_at_the_sequence_cap_the_source_set() -> None:
    # Llama 3.1 70B FP8, TP8, 128/2048: 3,200 prompts with --max-num-seqs 3200 gave 13,279.6 tokens/s
    # (hand-read from AMD's page); vLLM's default cap of 1,024 sequences must not apply
    [case] = [c for c in _amd_vllm() if c.id == "amdperf-vllm0.11.1-llama3.1-70b-mi300x8-128-2048"]
    assert case.published == 13279.6
    assert "TP8" in case.subject
    assert "batch 3200" in case.subject


@pytest.mark.xfail(
    strict=True,
    reason="AMD's published vLLM 0.11.1 results on 8x MI300X at TP8 (Llama 3.1 70B / 405B FP8, 4 lengths each): "
    "the model over-predicts every row, median +52 % (+20..+68 %; +51 % / +19..+66 % when added; +31..+80 % with "
    "the ring all-reduce). The same chip's MLPerf v5.1 Offline rows (AMD's tuned harness, one replica per GPU) "
    "are within 5 %; the page's small-batch latencies (70B, 128/2,048, batch 1-4: 7.8-9.0 ms per token) are "
    "under-predicted -13 / -22 / -24 % (TPOT 6.7-6.9 ms; once stated as -12..+1 %, not reproduced): the TP8 "
    "decode step of the public vLLM ROCm build runs slower than the model costs it at every batch, ~1.2-1.7x "
    "at large batches, cause not identified "
    "(docs/inference-model.md, 'AMD vLLM results')",
)
def test_heldout_amd_vllm_mi300x_median_within_25_percent() -> None:
    assert statistics.median(_abs(_amd_vllm())) <= 0.25


def test_heldout_max_throughput_one_published_cell() -> None:
    # H200 TP1 FP8, Llama 3.3 70B, 1000/1000: 2,909 output tokens/s (hand-read from the table)
    [case] = [c for c in _heldout_max() if c.id == "trtllm-llama3.3-70b-h200-fp8-1000-1000"]
    assert case.published == 2909
    assert abs(case.error) <= 0.10


def test_heldout_max_throughput_dense_fp8_hopper_median_within_10_percent() -> None:
    # 55 dense rows on H100/H200 FP8 (Llama 3.1 8B, 3.3 70B, 3.1 405B): median 4.2 %, worst +13.1 % (6.8 % and 29 %
    # when this test was written)
    cases = [c for c in _perf_overview() if c.group.split()[2] not in _MOE | {"llama-4-scout"}]
    hopper = [c for c in cases if c.group.split()[1] == "fp8"]
    assert len(hopper) == 55
    assert statistics.median(_abs(hopper)) <= 0.10


def test_grace_host_makes_the_host_bound_gb200_cell_slower_than_b200() -> None:
    # Qwen3-30B-A3B FP4 on one GPU, 128/128, 30,000 requests: GB200 24,107 against B200 39,827 output
    # tokens/s (ratio 0.61), though the GPU is the same die; only where thousands of short sequences
    # run at once (2048/128 and the long-context cells are within 5-9 % between the two). The measured
    # host step on GB200's Grace (29.4 us per sequence, host_overhead.csv) makes the model's ratio 0.53;
    # without it the model gave 1.0 (+145 % on GB200).
    cells = {c.id: c for c in _heldout_max()}
    gb200, b200 = cells["trtllm-qwen3-30b-gb200-fp4-128-128"], cells["trtllm-qwen3-30b-b200-fp4-128-128"]
    measured = gb200.published / b200.published
    predicted = gb200.predicted / b200.predicted
    assert measured == pytest.approx(0.605, abs=0.001)
    assert predicted < 1.0
    assert abs(predicted / measured - 1) <= 0.15


@pytest.mark.xfail(
    strict=True,
    reason=f"held-out max throughput median |error| is {_now('output_tokens_per_s')} (10.5 % with the decoding batch bounded by the token budget and the submitters' budgets, H200 NVL 8B rows at 1,536 +16..+17 -> +10 %; 10.8 % on 404 rows with RTX PRO 6000's measured FP8 / FP4 GEMMs, its eight MLPerf rows -7.2..+3.4 %; 11.2 % on 404 rows with the ten MLPerf v4.1 / v5.1 rows of NVL cards, GH200 and L40S, 9.1 % among them, and two H200 SXM 8B references; 11.2 % on 390 rows on 2026-11-27; 11.0 % until B300's measured all-reduce moved the "
    "MLPerf v6.0 B300 Llama 3.1 405B row from -10.1 to -12.7 %, across the median): 8.0 % on the 252 rows held out until "
    "2026-11-26 (8.1 % before RTX PRO 6000's measured bf16 GEMM fraction; 7.7 % on the 266 with its measured FP8 / FP4 GEMMs), 19.9 % on the 138 perf-overview cells added 2026-11-27 (17.4 % before its measured FP8 / FP4 GEMMs, 18.2 % at first prediction; RTX PRO 6000 tables, Qwen3-30B-A3B; "
    "the test above)",
)
def test_heldout_max_throughput_median_within_10_percent() -> None:
    # 390 rows: 11.2 % (11.0 % before B300's measured all-reduce), the 138 perf-overview cells of 2026-11-27 18.2 % at first prediction. Before them, 252 rows (182 TensorRT-LLM perf overview + 16 MLPerf v5.0/v5.1, 26 v6.0 and 16 v6.1 Offline + 8 AMD
    # vLLM MI300X + 4 power-limit pairs' rows): median 8.1 % (8.5 % on 248 before the power-limited rows and the
    # MI350X clock from the power-limit law) (8.2 % on 232 before the v6.1 rows, their own median 16.4 %; 8.1 % on 224 before the five RTX PRO 6000 rows, first predicted -10..-24 %, and the
    # three MI350X rows, +0.5..+2.5 % with the power-capped MI355X ratio, +7..+9 % at first) (8.4 % before the mixed steady state counted each queued prompt once; 8.2 % before the AMD and v6.0 rows; 8.6 % before the measured all-reduce, 8.8 % while varying
    # output lengths still kept prompt cohorts, 9.7 % with the assumed
    # fp4/fp8 matmul ratio 0.85 instead of the measured 0.742, 9.6 % before prompt
    # tokens skipped the output head, 9.4 % before the
    # pooled expert prefill work under attention DP was conserved, 10.2 % before the measured MoE kernels of
    # moe_kernels.csv, 10.5 % before Llama 4's chunked attention, 11.3 % before
    # the smooth GEMM roofline and the sourced Mixtral H200 layout; perf overview 16.0 % at first prediction)
    assert statistics.median(_abs(_heldout_max())) <= 0.10


@pytest.mark.xfail(
    strict=True,
    reason="held-out max throughput: 106 of 404 rows beyond 25 % with the token budget bounding the decoding batch (107 before; Llama 3.3 70B 8x RTX PRO 6000 PP8 2048/128 +34.8 -> +23.4 %), 107 with RTX PRO 6000's measured FP8 / FP4 GEMMs (101 before them), none of them among the ten NVL / GH200 / L40S Offline rows of 2026-11-27 (101 of 390 before them; 104 at first prediction; 102 with the measured Grace host step per sequence), 59 of them "
    "among the 138 perf-overview cells added 2026-11-27 (60 before the token budget bounded the decoding batch, 53 before the measured FP8 / FP4 GEMMs, 55 at first prediction; RTX PRO 6000 and Qwen3-30B-A3B; the test above; 14 of the 20 Llama 3.3 70B PP4 / PP8 cells, the pipeline's host loop, docs/inference-model.md); "
    "47 of the 266 held out before them (48 before the measured FP8 / FP4 GEMMs moved MLPerf v6.1 RTX PRO 6000 Llama 2 70B from -28.0 to -7.2 %; 48 of the 252 (49 before the host step: Scout 1x GB200 128/128 +38.5 -> +13.8 %; 49 of 248 before the four power-limit rows, all within 5 %; 44 of 232 before the 16 MLPerf v6.1 Offline rows, "
    "which brought four DeepSeek-R1 and one RTX PRO 6000 row, stated in their own xfails): 32 MoE rows of the perf overview (36 with the "
    "ring all-reduce, 44 with the assumed fp4/fp8 matmul ratio 0.85, 54 before the measured MoE kernels), worst +67 % "
    "(Llama 4 Scout 1x GB200 FP4 1000/1000, where the same run on B200 is 37 % faster). Every dense row is "
    "within 25 %: FP8 on H100/H200 (55 rows) median 4.2 %, worst +13.1 %; FP4 B200 7.0 % / GB200 5.8 %, worst +19.5 % (Llama 3.3 70B "
    "B200 500/2000; 405B TP4 decode-heavy +26..+31 % before the measured all-reduce, now within +17.3 %); the MoE "
    "rows (Scout/Maverick/Qwen3-235B, 87 rows, mostly attention DP + EP) miss both ways, median 18.5 % (24.6 % "
    "before the measured MoE "
    "kernels): the decode iteration at large batch is still under-costed (the MoE kernels run slower at "
    "16-128 tokens per expert than the roofline gives) and the attention-DP straggler term over-costs "
    "prefill-heavy lengths (docs/inference-model.md); 7 of the 8 AMD vLLM MI300X TP8 rows (the test above) and the 4 MLPerf v6.0 DeepSeek-R1 Offline rows",
)
def test_heldout_max_throughput_none_beyond_25_percent() -> None:
    assert max(_abs(_heldout_max())) <= 0.25


@pytest.mark.xfail(
    strict=True,
    reason="all 418 max-throughput rows (14 in-sample + 404 held out): median |error| 10.3 % with the token budget bounding the decoding batch, 10.4 % with RTX PRO 6000's measured FP8 / FP4 GEMMs (10.9 % before them; 404 before the NVL / GH200 / L40S rows: 10.9 %; 10.8 % before B300's measured all-reduce, 10.9 % before the Grace host step; 7.7 % on the 266 "
    "before the 138 perf-overview cells of 2026-11-27)",
)
def test_all_max_throughput_median_within_10_percent() -> None:
    # all 404 rows: 10.9 % (10.8 % before B300's measured all-reduce). Before the 138 cells of 2026-11-27, all 266 max-throughput rows (14 in-sample + 252 held-out): median 7.7 % (8.1 % before the six
    # power-limited Offline rows and the MI350X clock from the power-limit law; 8.2 % before AMD's MXFP4 / FP8
    # ratio for MI355X; 7.9 % on 244 before the v6.1 rows; 8.0 % on 236 before the RTX PRO 6000 and MI350X rows) (8.3 % before the mixed steady state counted each queued prompt once, 8.4 % before the AMD vLLM and v6.0 rows, 9.4 % with the assumed fp4/fp8
    # matmul ratio 0.85, 9.2 % before prompt tokens
    # skipped the output head, 9.8 % before the measured
    # MoE kernels and the conserved pooled expert prefill work, 9.9 % before Llama 4's chunked attention, 11.0 % before the smooth GEMM roofline and
    # the sourced Mixtral H200 layout; perf overview rows 14.4 % at first prediction); 49 rows are still
    # beyond 25 % (the held-out test above)
    errors = _abs([*_kind("max throughput"), *_heldout_max()])
    assert statistics.median(errors) <= 0.10


def _dense_fp4(chip: str) -> list[ValidationCase]:
    return [
        c
        for c in _perf_overview()
        if c.group.split()[0] == chip
        and c.group.split()[1] == "fp4"
        and c.group.split()[2] not in _MOE | {"llama-4-scout"}
    ]


def test_heldout_max_throughput_dense_fp4_gb200_median_within_10_percent() -> None:
    # 20 rows (Llama 3.3 70B TP1, 3.1 405B TP4): median 5.8 %, worst +14.9 % (6.4 % when this test was written; 6.9 % with the assumed fp4/fp8 matmul ratio
    # 0.85 instead of the measured 0.742; 15.2 % with the streaming fraction for the decode-attention KV read)
    cases = _dense_fp4("gb200")
    assert len(cases) == 20
    assert statistics.median(_abs(cases)) <= 0.10


def test_heldout_max_throughput_dense_fp4_b200_median_within_10_percent() -> None:
    # 20 rows (Llama 3.3 70B TP1, 3.1 405B TP4): median 7.0 %, worst +19.5 % (70B 500/2000; 6.4 % and +30.8 % for 405B
    # 1000/2000 when this test was written), with the
    # fp4 matmul efficiency from the measured NVFP4/FP8 GEMM ratio (0.742); 13.1 % with the assumed 0.85,
    # 14.1 % before the smooth GEMM roofline, 23.0 % before the measured decode-attention KV-read bandwidth
    # and the finite request count
    cases = _dense_fp4("b200")
    assert len(cases) == 20
    assert statistics.median(_abs(cases)) <= 0.10


# Held-out MLPerf Inference v5.0/v5.1 closed results (first prediction, model unchanged; setups from the
# submissions' configs: closed/NVIDIA/configs/..., closed/AMD/code/.../*.yaml).


def test_mlperf_heldout_rows_are_sourced_to_mlcommons_and_cover_amd() -> None:
    offline = _mlperf_heldout()
    server = _mlperf_heldout("server throughput (held-out)")
    assert (len(offline), len(server)) == (16, 5)
    for c in (*offline, *server):
        assert "MLPerf Inference v5." in c.source
        assert "mlcommons/inference_results_v5" in c.source
        assert c.source.rstrip().endswith("mlperf_log_summary.txt")
        assert c.split == "held-out"
    chips = {c.group.split()[0] for c in offline}
    assert {"mi300x", "mi325x"} <= chips  # non-NVIDIA
    assert {"b200", "gb200", "gb300", "h200"} <= chips
    assert {c.group.split()[2] for c in offline} >= {"llama-3.1-405b", "deepseek-r1", "llama-3.1-8b"}
    # hand-read from closed/AMD/results/8xMI300X_2xEPYC_9575F/llama2-70b-99/Offline/.../mlperf_log_summary.txt
    [mi300x] = [c for c in offline if c.id == "mlperf5.1-llama2-70b-mi300x8-offline"]
    assert mi300x.published == pytest.approx(27803.9)


def test_mlperf6_mi355x_rows_within_25_percent() -> None:
    # MLPerf Inference v6.0 (February 2026), 8x MI355X, Llama 2 70B FP4: Offline 103,480 and Server
    # 100,282.36 tokens/s (hand-read from the two mlperf_log_summary.txt files). MI355X entered the
    # catalogue with these rows: first prediction -20.7 % / -18.3 % with every efficiency transferred (MI325X
    # MAMF fraction, fp8/bf16 0.88, fp4/fp8 0.742); -10.9 % / -8.3 % with AMD's hipBLASLt FP8 GEMM measured
    # on MI355X (3,130 of 5,033 TFLOPS, found afterwards; fp4/fp8 0.742 still assumed); -5.9 % / -3.1 % with
    # AMD's MXFP4 / BF8 ratio 0.807 and FP16 fraction 0.592 measured on MI355X (Gluon GEMM tutorial)
    [offline] = [c for c in _mlperf6() if c.group.startswith("mi355x")]
    [server] = [c for c in _mlperf6("server throughput (held-out)") if c.group.startswith("mi355x")]
    assert (offline.published, server.published) == (103480, pytest.approx(100282.36))
    for c in (offline, server):
        assert "mlcommons/inference_results_v6.0" in c.source
        assert c.group.split()[0] == "mi355x"
        assert abs(c.error) <= 0.25


def test_mlperf6_nvl72_dense_rows_within_10_percent() -> None:
    # MLPerf Inference v6.0, GB200 / GB300 NVL72 (72 GPUs), FP4, layouts from NVIDIA's configs: Llama 2 70B
    # -3.8 / +2.3 %, Llama 3.1 405B -0.1 / -5.4 % at first prediction (hand-read: GB200 Llama 2 70B
    # Offline 888,054 tokens/s)
    dense = [
        c for c in _mlperf6() if c.group.split()[0] in {"gb200", "gb300"} and c.group.split()[2] not in _MOE
    ]
    assert len(dense) == 4
    [gb200_l2] = [c for c in dense if c.id == "mlperf6.0-llama2-70b-gb200x72-offline"]
    assert gb200_l2.published == 888054
    assert max(_abs(dense)) <= 0.10


@pytest.mark.xfail(
    strict=True,
    reason="MLPerf v6.0 DeepSeek-R1 Offline on GB200 / GB300 NVL72, 8x B200 and 8x B300: -28.9 / -34.8 / -37.0 / "
    "-37.4 % at first prediction. The same systems' v5.1 results are +19.3 / +0.2 / +9.9 % (no v5.1 B300): v6.0 ran 1.5-1.75x faster on the same "
    "hardware with the same configs (the NVL72 configs are unchanged from v5.1; B200 moved its MoE backend from "
    "WideEP to CuTe DSL): the TensorRT-LLM release. With the attention-DP ranks' prompt "
    "chunks in step, as balancing aims at, the NVL72 rows would be -12.5 / -18.2 % but the v5.1 rows "
    "+46.8 / +25.8 % (docs/inference-model.md)",
)
def test_mlperf6_deepseek_offline_within_25_percent() -> None:
    moe = [c for c in _mlperf6() if c.group.split()[2] == "deepseek-r1"]
    assert len(moe) == 4
    assert max(_abs(moe)) <= 0.25


def _nvl() -> list[ValidationCase]:
    """Offline rows of the PCIe NVL cards (H100 NVL 400 W, H200 NVL 600 W)."""
    return [
        c
        for c in throughput_cases()
        if c.kind == "max throughput (held-out)" and c.group.split()[0] in {"h100-nvl", "h200-nvl"}
    ]


def test_nvl_rows_with_the_clock_of_the_power_limit_law() -> None:
    # The NVL cards are the SXM dies at a lower board power (H100 NVL 400 W, H200 NVL 600 W against 700 W);
    # their matmul fractions are the SXM chips' sustained rates times the clock the power-limit law gives
    # at that power (the test below). H200 NVL entered with its three MLPerf v6.0 rows (first prediction, with
    # the SXM fractions of the datasheet peak: Dell 8x Llama 2 70B -12.0 %, Dell 8x Llama 3.1 8B +6.8 %,
    # Cisco 4x 8B +17.2 %); the five v5.1 H200 NVL rows and the two v4.1 H100 NVL rows came 2026-11-27:
    # with the datasheet assumption H100 NVL +34.7 / +35.8 %, with the law +12.4 / +18.8 %; the H200 NVL
    # Llama 2 70B rows move towards the measurements (-12.5 / -8.1 / -10.4 / -7.0 -> -8.2 / -3.6 / -6.0 / -2.4 %)
    # and the 8B rows away (+6.7 / +17.2 / +11.8 / +12.7 -> +11.6 / +22.6 / +16.9 / +17.9 %): both dies are
    # read the same way, so the 8B rows' excess is not the clock (hand-read: Dell v6.0 Llama 2 70B 32,004,
    # HPE 4x H100 NVL 8,858.78, Lenovo 8x H100 NVL 15,875.8 tokens/s)
    rows = _nvl()
    assert len(rows) == 10
    assert {c.published for c in rows} >= {32004, 8858.78, 15875.8}
    assert max(_abs(rows)) <= 0.25
    assert statistics.median(_abs(rows)) <= 0.125
    h100_nvl = [c for c in rows if c.group.split()[0] == "h100-nvl"]
    assert len(h100_nvl) == 2
    assert max(_abs(h100_nvl)) <= 0.20


def test_nvl_matmul_fractions_are_the_sxm_rates_at_the_power_limit_clock() -> None:
    for nvl, sxm in (("h100-nvl", "h100-sxm"), ("h200-nvl", "h200")):
        a, b = get_accelerator(nvl), get_accelerator(sxm)
        k = sustained_clock_ratio(a.tdp_w, b.tdp_w)
        assert 0.6 < k < 0.95
        for precision, peak_a, peak_b in (
            ("bf16", a.peak_tflops_bf16, b.peak_tflops_bf16),
            ("fp8", a.peak_tflops_fp8, b.peak_tflops_fp8),
        ):
            assert peak_a is not None
            assert peak_b is not None
            rate_a = get_inference_efficiency(nvl, precision).matmul_efficiency * peak_a
            rate_b = get_inference_efficiency(sxm, precision).matmul_efficiency * peak_b
            assert rate_a == pytest.approx(rate_b * k, rel=0.005)


def test_h200_sxm_8b_rows_price_the_token_budget() -> None:
    # Two 8x H200 SXM Llama 3.1 8B Offline results of MLPerf v5.1 (held out, 2026-11-27), the same chip,
    # software and batch cap: HPE's max_num_tokens 12,000 ran 66,036.8 tokens/s, QCT's 1,536 ran 56,917.3
    # (0.862 of it). Until the running decodes were held to what the budget's prompts can refill
    # (B_sat = M N / (I + N), 196.8 sequences per GPU at 1,536), the model gave both the same (-1.7 / +14.1 %,
    # -1.7 / +13.4 % with the budgets passed: a predicted ratio 0.995); now -1.9 / +6.4 % (ratio 0.934).
    # The rest of the gap is not modelled (GEMMs of 1,536 rows run 5-10 % below the large-GEMM rate on
    # H200, kernels/h200_gemm.csv). QCT's NVL / SXM ratio at equal budgets, 25,180.8 x 2 / 56,917.3 =
    # 0.885, is the power-limit clock at 600 W (0.893) and not the datasheet peak ratio (0.844).
    rows = {c.id: c for c in throughput_cases()}
    hpe = rows["nvl-mlperf5.1-llama3.1-8b-h200x8-hpe-offline"]
    qct = rows["nvl-mlperf5.1-llama3.1-8b-h200x8-qct-offline"]
    nvl = rows["nvl-mlperf5.1-llama3.1-8b-h200nvlx4-qct-offline"]
    assert (hpe.published, qct.published) == (66036.8, 56917.3)
    budgets = {r["id"]: r["max_num_tokens"] for r in _read("inference_throughput.csv")}
    assert (budgets[hpe.id], budgets[qct.id]) == ("12000", "1536")  # from the submitters' configs
    assert abs(hpe.error) <= 0.05
    assert abs(qct.error) <= 0.10
    measured, predicted = qct.published / hpe.published, qct.predicted / hpe.predicted
    assert predicted < 0.96  # the small budget costs throughput
    assert abs(predicted - measured) < 0.10
    ratio = 2 * nvl.published / qct.published
    card, sxm = get_accelerator("h200-nvl"), get_accelerator("h200")
    law = sustained_clock_ratio(card.tdp_w, sxm.tdp_w)
    assert abs(ratio - law) < abs(ratio - card.peak_tflops_bf16 / sxm.peak_tflops_bf16)


def _mlperf41_new_chips() -> list[ValidationCase]:
    """MLPerf v4.1 rows on chips added 2026-11-27 (GH200, H100 NVL) or without rows before (L40S)."""
    return [
        c
        for c in throughput_cases()
        if c.id.startswith("mlperf4.1-")
        and c.kind == "max throughput (held-out)"
        and c.group.split()[0] in {"gh200", "h100-nvl", "l40s"}
    ]


def test_mlperf41_gh200_and_l40s_rows() -> None:
    # First predictions (2026-11-27): GH200 144GB Llama 2 70B Offline +0.9 %, Server +5.3 %, Mixtral 8x7B
    # Offline -2.6 %, Server +4.8 %; Fujitsu 8x L40S (TP4 over PCIe) Llama 2 70B Offline +12.3 %
    # (hand-read: GH200 4,067.52 and 8,021.46, L40S 3,717.74 tokens/s)
    rows = {c.id: c for c in throughput_cases() if c.id.startswith("mlperf4.1-")}
    gh200 = [c for i, c in rows.items() if "gh200" in i]
    assert len(gh200) == 4
    assert {c.published for c in gh200} >= {4067.52, 8021.46}
    assert max(_abs(gh200)) <= 0.10
    l40s = rows["mlperf4.1-llama2-70b-l40sx8-offline"]
    assert l40s.published == 3717.74
    assert abs(l40s.error) <= 0.15


def test_mlperf6_rtx_pro_6000_rows_within_10_percent() -> None:
    # RTX PRO 6000 Blackwell Server Edition (PCIe, GDDR7 1.6 TB/s, 2 PF FP4 dense) entered the catalogue
    # with five MLPerf v6.0 Offline results, efficiencies the B200 fractions of peak (no measurement):
    # Llama 2 70B FP4 -23.3 % (Dell 8x) / -23.9 % (Cisco 4x), Llama 3.1 8B FP4 -22.7 / -21.1 %, Mixtral FP8
    # -9.7 % (HPE 8x) at first prediction. The dense rows are compute-bound at the model's batch: FP4 at
    # the B200's 0.426 of peak is too slow here; the measured rates imply about 0.55 (hand-read: Dell
    # Llama 2 70B 26,829.8 tokens/s). With the bf16 GEMM fraction measured on this SKU (0.828, FP4 0.454):
    # -19.8 / -20.4 / -19.6 / -17.9 / -4.9 %. With the FP8 and FP4 GEMMs measured on this SKU (NVIDIA/cutlass
    # PR #3272, M = N = K = 8,192: MXFP8 ~802 of 1,008, NVFP4 ~1,629 of 2,015 TFLOPS; 0.668 / 0.679 of peak in
    # serving, were 0.612 / 0.454 from the H100 and B200 ratios): +3.4 / +2.5 / +0.0 / +2.1 / +1.8 %
    rows = [c for c in _mlperf6() if c.group.split()[0] == "rtx-pro-6000"]
    assert len(rows) == 5
    assert {c.published for c in rows} >= {26829.8}
    assert max(_abs(rows)) <= 0.10


def test_mlperf6_mi350x_rows_within_10_percent() -> None:
    # MI350X, the air-cooled MI355X (same 256 CUs at 2.2 against 2.4 GHz peak, 1,000 against 1,400 W),
    # entered the catalogue with three MLPerf v6.0 Llama 2 70B FP4 Offline results. With the MI355X
    # fractions of peak: Cisco 8x +9.4 %, Cisco 16x (two nodes) +8.0 %, Supermicro / Red Hat 8x (vLLM 0.14)
    # +7.3 % at first prediction (MI350X ran 24 % slower than MI355X for an 8 % lower peak). The same round
    # has one MI355X system run at 1,400 W and capped at 1,000 W (Dell / MangoBoost: 16 % slower): with that
    # ratio in the MI350X rows (its sustained clock at 1,000 W, not its peak) +2.5 / +1.1 / +0.5 %, and
    # +8.8 / +7.4 / +6.7 % once the MI355X rows they derive from took AMD's measured MXFP4 / FP8 ratio, and
    # +3.3 / +2.0 / +1.3 % with the clock the power-limit law gives the die at 1,000 W (0.781) in place of
    # the throughput ratio
    # (hand-read: Cisco 8x 78,936.7 tokens/s)
    rows = [c for c in _mlperf6() if c.group.split()[0] == "mi350x"]
    assert len(rows) == 3
    assert {c.published for c in rows} >= {78936.7}
    assert max(_abs(rows)) <= 0.10


def test_mlperf6_b300_dense_rows_within_15_percent() -> None:
    # B300 (HGX, 13.5 PF FP4 dense, 270 GB) entered the catalogue with NVIDIA's MLPerf v6.0 8x B300 results,
    # efficiencies the B200 rows scaled by the measured B300 / B200 GEMM-sweep ratios (FP4 only 1.10x in
    # achieved TFLOP/s for a 1.5x peak): Llama 2 70B -10.9 %, Llama 3.1 8B +8.0 %, Llama 3.1 405B -11.2 %
    # at first prediction (hand-read: Llama 2 70B Offline 112,954 tokens/s)
    dense = [c for c in _mlperf6() if c.group.split()[0] == "b300" and c.group.split()[2] not in _MOE]
    assert len(dense) == 3
    assert {c.published for c in dense} >= {112954}
    assert max(_abs(dense)) <= 0.15


def test_mlperf6_b200_partner_rows() -> None:
    # MLPerf v6.0 8x B200 results of partners with NVIDIA's recipes (layouts from their configs):
    # Llama 2 70B (HPE) -11.3 %, Llama 3.1 8B (Lambda) +5.1 %, Mixtral FP4 (HPE) +22.0 % at first prediction
    rows = {c.group.split()[2]: c for c in _mlperf6() if c.group.split()[0] == "b200"}
    assert set(rows) == {"llama-2-70b", "llama-3.1-8b", "mixtral-8x7b", "deepseek-r1"}
    assert rows["llama-3.1-8b"].published == 160403
    assert max(abs(rows[m].error) for m in ("llama-2-70b", "llama-3.1-8b")) <= 0.15
    assert abs(rows["mixtral-8x7b"].error) <= 0.25


#: Pairs of one system's MLPerf results at its TDP and under a board power limit (same software, round).
_POWER_PAIRS = (
    ("mlperf4.1-llama2-70b-h200x8-maxp-offline", "mlperf4.1-llama2-70b-h200x8-maxq-offline"),
    ("mlperf4.1-mixtral-8x7b-h200x8-maxp-offline", "mlperf4.1-mixtral-8x7b-h200x8-maxq-offline"),
    (
        "mlperf6.0-llama2-70b-mi355x8-dellmangoboost-offline",
        "mlperf6.0-llama2-70b-mi355x8-dellmangoboost-cap1000-offline",
    ),
    ("mlperf4.1-llama2-70b-h200x8-maxp-server", "mlperf4.1-llama2-70b-h200x8-maxq-server"),
    ("mlperf4.1-mixtral-8x7b-h200x8-maxp-server", "mlperf4.1-mixtral-8x7b-h200x8-maxq-server"),
)


def test_a_power_limit_costs_what_was_measured() -> None:
    # The law's exponent (stackplan.perf.power_cap) is fitted on the first pair, NVIDIA's 8x H200 Llama 2
    # 70B FP8 Offline at 700 / 500 W (MLPerf v4.1 MaxP 31,302.7 / MaxQ 25,262.1 tokens/s: 0.807, model
    # 0.810 in the validation setup). Held out, limited over full, measured / model: the same system's
    # Mixtral Offline 0.830 / 0.814, Llama 2 Server 0.791 / 0.810, Mixtral Server 0.796 / 0.812 (p99
    # limits 2 s / 200 ms), and Dell / MangoBoost 8x MI355X Llama 2 70B FP4 Offline at 1,400 / 1,000 W
    # 0.839 / 0.837 (hand-read: 97,535.1 and 81,870.5 tokens/s)
    rows = {c.id.removeprefix("powerlimit-"): c for c in _power_limit()}
    assert len(rows) == 10
    for full_id, capped_id in _POWER_PAIRS:
        full, capped = rows[full_id], rows[capped_id]
        assert "500 W power limit" in capped.subject or "1000 W power limit" in capped.subject
        model, measured = capped.predicted / full.predicted, capped.published / full.published
        assert model == pytest.approx(measured, rel=0.03), capped_id
    mi355x = rows["mlperf6.0-llama2-70b-mi355x8-dellmangoboost-cap1000-offline"]
    assert mi355x.published == 81870.5


def test_power_limited_rows_within_15_percent() -> None:
    # Offline rows +2.6..+4.6 % (H200) and -0.5 / -0.2 % (MI355X); the H200 Server rows +7.9..+12.8 %,
    # as the model's other MLPerf Server rows at the TPOT limit
    rows = _power_limit()
    assert max(_abs(rows)) <= 0.15
    assert max(_abs([c for c in rows if "server" not in c.kind])) <= 0.05


# Held-out MLPerf Inference v6.1 closed results (collected 2026-11-26, first prediction, no constant changed
# after them; layouts as the v5.1/v6.0 rows of the same benchmark and vendor).


def test_mlperf61_rows_are_sourced_and_hand_read() -> None:
    offline, server = _mlperf61(), _mlperf61("server throughput (held-out)")
    assert (len(offline), len(server)) == (16, 11)
    for c in (*offline, *server):
        assert "mlcommons/inference_results_v6.1" in c.source
        assert "mlperf_log_summary.txt" in c.source
        assert c.split == "held-out"
    assert {c.group.split()[0] for c in offline} == {
        "mi355x",
        "b200",
        "b300",
        "gb200",
        "gb300",
        "rtx-pro-6000",
    }
    # hand-read from the three mlperf_log_summary.txt files
    published = {c.id: c.published for c in offline}
    assert published["mlperf6.1-llama2-70b-gb200x72-coreweave-offline"] == 894002
    assert published["mlperf6.1-llama2-70b-mi355x8-dell-offline"] == 103792
    assert published["mlperf6.1-llama3.1-8b-rtxpro6000x8-offline"] == pytest.approx(50453.7)


def test_mlperf61_nvidia_datacenter_dense_rows_within_15_percent() -> None:
    # Llama 2 70B / Llama 3.1 8B FP4 on 8x B200 (CoreWeave), 8x B300 (NVIDIA, Cisco), 8x GB300, GB200 and
    # GB300 NVL72 (CoreWeave): Offline -10.3..+4.4 % (median |error| 4.5 %), Server -10.2..-0.2 % at first prediction
    chips = {"b200", "b300", "gb200", "gb300"}
    offline = [c for c in _mlperf61() if c.group.split()[0] in chips and c.group.split()[2] not in _MOE]
    server = [
        c
        for c in _mlperf61("server throughput (held-out)")
        if c.group.split()[0] in chips and c.group.split()[2] not in _MOE
    ]
    assert (len(offline), len(server)) == (6, 3)
    assert max(_abs([*offline, *server])) <= 0.15
    assert statistics.median(_abs(offline)) <= 0.10


def test_mlperf61_mi355x_dense_rows_within_25_percent() -> None:
    # 8x MI355X with vLLM (AMD, Dell): Llama 2 70B FP4 Offline -13.7 / -11.4 %, Server -11.1 %; Llama 3.1 8B
    # FP8 Offline -19.1 %, Server -13.7 % at first prediction (v6.0: -10.9 / -8.5 %), with B200's MXFP4/FP8
    # GEMM ratio 0.742; with AMD's measured 0.807 (Gluon GEMM tutorial, found afterwards) the FP4 rows are
    # -8.6 / -6.2 %, Server -5.9 % (the FP8 rows unchanged)
    rows = [c for c in _mlperf61_both(chip="mi355x") if c.group.split()[2] not in _MOE]
    assert len(rows) == 5
    assert max(_abs(rows)) <= 0.25


def test_mlperf61_rtx_pro_6000_rows_within_10_percent() -> None:
    # MLPerf v6.1 8x RTX PRO 6000 (Cisco), FP4: Llama 2 70B Offline / Server, Llama 3.1 8B Offline. At first
    # prediction -31.2 / -30.3 / -24.9 % with B200's fractions of peak; -28.0 / -27.1 / -21.8 % with the bf16
    # GEMM fraction measured on this SKU (a strict xfail then: FP4 took the H100 fp8/bf16 and B200 NVFP4/FP8
    # GEMM ratios, 0.454 of peak); -7.2 / -6.5 / -2.8 % with the FP4 GEMM measured on this SKU (NVIDIA/cutlass
    # PR #3272: ~1,629 of 2,015 TFLOPS, 0.679 of peak in serving)
    rows = _mlperf61_both(chip="rtx-pro-6000")
    assert len(rows) == 3
    assert max(_abs(rows)) <= 0.10


@pytest.mark.xfail(
    strict=True,
    reason="MLPerf v6.1 DeepSeek-R1 FP4, as the v6.0 rows: Offline 8x B300 -37.3 %, GB200 NVL72 -34.0 %, GB300 "
    "NVL72 -38.0 %, 288x GB300 -37.7 %, 512x MI355X (Crusoe, SGLang) -20.2 %; Server -28.2 / -13.8 / -31.3 / "
    "-19.1 / -15.8 % (MI355X -20.7 / -16.0 % at first prediction; the 80 ms p99 TPOT limit binds: 65.8-79.0 ms). Same hardware as v6.0 within 0-8 %; the "
    "attention-DP + wide-EP decode of TensorRT-LLM since v6.0 runs 1.5-1.75x faster with the v5.1 settings, "
    "which the model matches (see the v6.0 test above)",
)
def test_mlperf61_deepseek_within_25_percent() -> None:
    rows = _mlperf61_both(model="deepseek-r1")
    assert len(rows) == 10
    assert max(_abs(rows)) <= 0.25


def test_mlperf_heldout_dense_offline_median_within_10_percent() -> None:
    # 10 dense rows (Llama 2 70B, 3.1 405B, 3.1 8B on B200/GB200/GB300 FP4, H200/MI300X/MI325X FP8):
    # median 9.7 % at first prediction, worst +28.9 % (Llama 3.1 8B, 8x B200 FP4, 871/129)
    dense = [c for c in _mlperf_heldout() if c.group.split()[2] not in _MOE]
    assert len(dense) == 10
    assert statistics.median(_abs(dense)) <= 0.10


def test_mlperf_heldout_moe_offline_within_25_percent() -> None:
    # MLPerf MoE Offline (6 rows): DeepSeek-R1 FP4 DP8+EP8 +12 % (8x B200), +21 % (GB200 NVL72), +2 %
    # (GB300 NVL72) with the dataset's output-length spread and TensorRT-LLM's measured CUTLASS MoE
    # streaming (moe_kernels.csv; +21 / +27 / +2 % with the streaming fraction; +78 / +88 / +51 % with
    # fixed lengths at first prediction); Mixtral 8x H200 -2 % with one FP8 model per GPU as NVIDIA's
    # MLPerf Mixtral README gives for H200; Mixtral MI300X +1 %, MI325X -10 %
    moe = [c for c in _mlperf_heldout() if c.group.split()[2] in _MOE]
    assert len(moe) == 6
    assert max(_abs(moe)) <= 0.25


def test_mlperf_heldout_server_median_within_15_percent() -> None:
    # v5.1 Server (2 s / 200 ms at p99): MI300X Llama 2 +17.1 %, MI325X +5.5 %, Mixtral MI300X +13.7 %,
    # MI325X +5.1 %, GB200 x4 Llama 2 FP4 -4.2 % (+17.6 / +5.8 / +14.3 / +5.6 / +4.4 % before the in-flight
    # iteration a Poisson arrival lands in was length-biased, 2026-11-26; MI300X/MI325X fp8 from AMD's measured FP8/BF16 MAF
    # ratio; +16.0 / +4.1 / +12.5 / +3.9 % with the H100 ratio 0.88)
    server = _mlperf_heldout("server throughput (held-out)")
    assert len(server) == 5
    assert statistics.median(_abs(server)) <= 0.15
    assert max(_abs(server)) <= 0.25


@pytest.mark.xfail(
    strict=True,
    reason="MI300X Llama 2 v5.1 Server +17.1 % (+17.6 % before the queue and in-flight-iteration terms of 2026-11-26; +16.0 % with the H100 fp8/bf16 ratio) since the OpenOrca input mean 222 replaced the assumed 294 "
    "(it was +2.7 %); the other four v5.1 held-out Server rows are within 15 %",
)
def test_mlperf_heldout_server_each_within_15_percent() -> None:
    assert max(_abs(_mlperf_heldout("server throughput (held-out)"))) <= 0.15


def test_shipped_accuracy_matches_the_model() -> None:
    """``inference_accuracy.csv`` (printed next to every prediction) is what the model scores now:
    rebuild it with ``tools/build_inference_accuracy.py`` after changing the model."""
    from stackplan.validation.accuracy import compute_inference_accuracy, inference_accuracy

    for split in ("held-out", "in-sample"):
        for now in compute_inference_accuracy():
            if now.split != split:
                continue
            old = inference_accuracy(split, now.framework)[now.quantity]
            assert (old.framework, old.cases) == (now.framework, now.cases), now.quantity
            for attr in ("median_abs_error", "p90_abs_error", "median_signed_error", "within_25_percent"):
                assert getattr(old, attr) == pytest.approx(getattr(now, attr), abs=1e-4), (now.quantity, attr)


# Disaggregated prefill and decode pools at fixed concurrency (held out, 2026-11-27): the
# AIConfigurator silicon sample's disaggregated rows whose worker counts are recorded, each pool
# in its own layout, predicted by the closed-loop disaggregated model before anything was tuned
# on them (tools/build_heldout_serving.py --disaggregated).


def _disagg(kind: str) -> list[ValidationCase]:
    return [c for c in disaggregated_latency_cases() if c.kind == f"disaggregated {kind} (held-out)"]


def test_disaggregated_set_is_sourced_and_covers_chips_and_frameworks() -> None:
    ttft, tpot = _disagg("TTFT"), _disagg("TPOT")
    assert len(ttft) == len(tpot) == 234
    assert disaggregated_skipped() == {"DoesNotFitError": 2}
    assert {c.group.split()[0] for c in ttft} == {"b200", "gb200", "gb300", "h100-sxm", "h200"}
    assert {c.framework for c in ttft} == {"trtllm", "sglang", "vllm"}
    assert all("silicon_sample.csv" in c.source and c.split == "held-out" for c in (*ttft, *tpot))
    # hand-read from the sample: DeepSeek on GB200, TensorRT-LLM FP8, 8 prefill GPUs (attention DP8 +
    # EP8) and 32 decode GPUs (DP32 + EP32), 1,024/1,024 tokens, 256 clients: TTFT 667.3 ms, TPOT 15.33 ms
    cell = {c.id: c for c in (*ttft, *tpot)}
    assert cell["dsr1_gb200_trtllm_fp8_disagg_1024x1024_c256_cfg375-ttft"].published == pytest.approx(667.345)
    assert cell["dsr1_gb200_trtllm_fp8_disagg_1024x1024_c256_cfg375-tpot"].published == pytest.approx(15.331)


def test_disaggregated_tpot_median_within_20_percent() -> None:
    # 205 rows, first prediction: median |error| 15.5 % (signed -3 %); 17.9 % (signed -5 %) once the prefill
    # workers take one prompt per iteration, as the rows record (prefill_batch_size 1); the decode pool runs
    # decode-only iterations at the clients it holds (Little's law over the loop). With Kimi K2.5's 29 rows
    # (GB200, TensorRT-LLM and vLLM; 22.7 % at first prediction) 18.9 % on 234
    assert statistics.median(_abs(_disagg("TPOT"))) <= 0.20


@pytest.mark.xfail(
    strict=True,
    reason=f"disaggregated TTFT is under-predicted: median |error| {_now('ttft_ms', disaggregated=True)} (62.2 %, signed -43 % on 234 rows on 2026-11-27; the 205 "
    "before Kimi K2.5: 63.3 %, 62.3 % before a TP group's all-reduce stayed in its node with only the expert "
    "all-to-all crossing nodes; Kimi's 29 rows 50.7 % at first prediction; 66.4 %, -64 % "
    "at first prediction, before the prefill workers took one prompt per iteration as the rows record); even at "
    "1-16 clients (51 rows) the measured TTFT is a median 174 ms above the prediction "
    "(10th-90th percentile 19 ms to 6.6 s; B200 TensorRT-LLM FP4 1,024/1,024 at 10 clients: 169 ms measured, "
    "45 ms predicted, the prompt's own prefill plus the KV transfer): the hand-off between the pools "
    "(routing, KV-transfer set-up, the decode worker's admission) costs more than the transfer's bytes; the one "
    "measurement found is vLLM's (~197 ms median hand-off of which ~29 ms KV transfer, vllm PR #51919), not "
    "these rows' TensorRT-LLM and SGLang workers, so nothing was fitted",
)
def test_disaggregated_ttft_median_within_15_percent() -> None:
    assert statistics.median(_abs(_disagg("TTFT"))) <= 0.15
