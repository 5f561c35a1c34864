"""How far the inference predictions have been from published measurements, shipped with them.

A prediction is only as useful as its known error. ``inference_accuracy.csv`` records, for each
quantity ``stackplan predict inference`` reports, the distribution of ``|predicted / published - 1|``
over the validation cases of :mod:`stackplan.validation.inference`: the held-out cases (measurements
added after the model's constants were chosen, predicted without refitting) and the in-sample ones.
``predict inference`` prints the held-out figures next to every prediction, so a reader sees
"TTFT 648 ms, typically within 37 % (half the held-out cases), within X % for nine in ten".

The file is derived data: :func:`compute_inference_accuracy` rebuilds it from the validation cases
(``python tools/build_inference_accuracy.py``), and a test fails when the shipped file no longer
matches the model, so the published accuracy moves with every change to the model.
"""

from __future__ import annotations

import csv
import datetime
import io
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path

import numpy as np

from stackplan.validation import ValidationCase

__all__ = [
    "ACCURACY_KINDS",
    "QUANTITY_LABELS",
    "PredictionAccuracy",
    "compute_inference_accuracy",
    "inference_accuracy",
    "read_inference_accuracy",
    "render_accuracy_markdown",
    "replace_marked_block",
    "shipped_inference_accuracy",
    "write_inference_accuracy",
]

#: Validation kinds behind each reported quantity: (in-sample kind, held-out kind).
ACCURACY_KINDS: dict[str, tuple[str, str]] = {
    "output_tokens_per_s": ("max throughput", "max throughput (held-out)"),
    "ttft_ms": ("serving TTFT", "serving TTFT (held-out)"),
    "tpot_ms": ("serving TPOT", "serving TPOT (held-out)"),
}

#: Held-out kinds of disaggregated prefill / decode pools (their own split, ``held-out-disaggregated``).
DISAGGREGATED_KINDS: dict[str, str] = {
    "ttft_ms": "disaggregated TTFT (held-out)",
    "tpot_ms": "disaggregated TPOT (held-out)",
}
DISAGGREGATED_SPLIT = "held-out-disaggregated"

#: How each reported quantity is named where the accuracy is printed.
QUANTITY_LABELS: dict[str, str] = {"output_tokens_per_s": "throughput", "ttft_ms": "TTFT", "tpot_ms": "TPOT"}

_FILE = "inference_accuracy.csv"

#: Targets of the inference engine's validation (issue #3): median |error| per quantity [-];
#: maximum throughput also asks for no case beyond 25 %.
MEDIAN_TARGETS: dict[str, float] = {"output_tokens_per_s": 0.10, "ttft_ms": 0.15, "tpot_ms": 0.15}

#: Markers around the generated accuracy table in the documentation.
TABLE_BEGIN = (
    "<!-- accuracy-table: generated from inference_accuracy.csv by tools/build_inference_accuracy.py -->"
)
TABLE_END = "<!-- /accuracy-table -->"

#: Fewest cases of one framework for its own accuracy row (fewer: the all-framework row is used).
MIN_FRAMEWORK_CASES = 20

_FIELDS = (
    "quantity",
    "split",
    "framework",
    "kind",
    "cases",
    "median_abs_error",
    "p90_abs_error",
    "median_signed_error",
    "within_25_percent",
)


@dataclass(frozen=True, kw_only=True)
class PredictionAccuracy:
    """Error distribution of one reported quantity over one split of the validation cases."""

    quantity: str
    #: ``held-out`` or ``in-sample`` (see :class:`~stackplan.validation.ValidationCase`).
    split: str
    #: The serving framework of the cases (``trtllm``, ``vllm``, ``sglang``), or ``all``.
    framework: str
    #: The validation kind the cases come from (``stackplan validate --category inference``).
    kind: str
    cases: int
    #: Median of ``|predicted / published - 1|`` [-].
    median_abs_error: float
    #: 90th percentile of ``|predicted / published - 1|`` [-] (nine cases in ten are closer).
    p90_abs_error: float
    #: Median of ``predicted / published - 1`` [-] (> 0: the model tends to predict high).
    median_signed_error: float
    #: Share of the cases within 25 % [-].
    within_25_percent: float

    def as_dict(self) -> dict[str, object]:
        return {
            "split": self.split,
            "framework": self.framework,
            "kind": self.kind,
            "cases": self.cases,
            "median_abs_error": self.median_abs_error,
            "p90_abs_error": self.p90_abs_error,
            "median_signed_error": self.median_signed_error,
            "within_25_percent": self.within_25_percent,
        }


def _accuracy(
    quantity: str, split: str, framework: str, kind: str, errors: Sequence[float]
) -> PredictionAccuracy:
    e = np.asarray(errors, dtype=np.float64)
    a = np.abs(e)
    return PredictionAccuracy(
        quantity=quantity,
        split=split,
        framework=framework,
        kind=kind,
        cases=int(e.size),
        median_abs_error=float(np.median(a)) if e.size else math.nan,
        p90_abs_error=float(np.quantile(a, 0.9)) if e.size else math.nan,
        median_signed_error=float(np.median(e)) if e.size else math.nan,
        within_25_percent=float(np.mean(a <= 0.25)) if e.size else math.nan,
    )


def compute_inference_accuracy(
    cases: Sequence[ValidationCase] | None = None,
) -> tuple[PredictionAccuracy, ...]:
    """The accuracy rows from the validation cases (all inference cases when not given).

    One row per quantity and split over all frameworks, and one per framework with at least
    :data:`MIN_FRAMEWORK_CASES` cases.
    """
    if cases is None:
        from stackplan.validation.inference import (
            disaggregated_latency_cases,
            heldout_latency_cases,
            latency_cases,
            throughput_cases,
        )

        cases = (
            *throughput_cases(),
            *latency_cases(),
            *heldout_latency_cases(),
            *disaggregated_latency_cases(),
        )
    out = []
    kinds_by_split = [
        (quantity, split, kind)
        for quantity, kinds in ACCURACY_KINDS.items()
        for split, kind in zip(("in-sample", "held-out"), kinds, strict=True)
    ] + [(quantity, DISAGGREGATED_SPLIT, kind) for quantity, kind in DISAGGREGATED_KINDS.items()]
    for quantity, split, kind in kinds_by_split:
        of_kind = [c for c in cases if c.kind == kind]
        out.append(_accuracy(quantity, split, "all", kind, [c.error for c in of_kind]))
        for fw in sorted({c.framework for c in of_kind if c.framework}):
            errors = [c.error for c in of_kind if c.framework == fw]
            if len(errors) >= MIN_FRAMEWORK_CASES:
                out.append(_accuracy(quantity, split, fw, kind, errors))
    return tuple(out)


def write_inference_accuracy(path: Path, rows: Sequence[PredictionAccuracy]) -> None:
    """Write the accuracy rows as the shipped CSV (with its header comments)."""
    buf = io.StringIO()
    buf.write("# schema_version: 1\n")
    buf.write(f"# as_of: {datetime.date.today().isoformat()}\n")
    buf.write(
        "# units: errors are fractions of the published value [-]; cases the number of "
        "validation cases; within_25_percent the share of cases with |error| <= 0.25\n"
    )
    buf.write(
        "# source: stackplan validate --category inference (stackplan.validation.inference), "
        "rebuilt with tools/build_inference_accuracy.py\n"
    )
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(_FIELDS)
    for r in rows:
        w.writerow(
            (
                r.quantity,
                r.split,
                r.framework,
                r.kind,
                r.cases,
                f"{r.median_abs_error:.4f}",
                f"{r.p90_abs_error:.4f}",
                f"{r.median_signed_error:.4f}",
                f"{r.within_25_percent:.4f}",
            )
        )
    path.write_text(buf.getvalue(), encoding="utf-8")


@cache
def shipped_inference_accuracy() -> tuple[PredictionAccuracy, ...]:
    """Every row of the shipped ``inference_accuracy.csv``, in file order."""
    return read_inference_accuracy(
        resources.files("stackplan.validation.data").joinpath(_FILE).read_text(encoding="utf-8")
    )


def read_inference_accuracy(text: str) -> tuple[PredictionAccuracy, ...]:
    """Parse the CSV written by :func:`write_inference_accuracy`."""
    lines = [ln for ln in text.splitlines() if ln and not ln.startswith("#")]
    return tuple(
        PredictionAccuracy(
            quantity=r["quantity"],
            split=r["split"],
            framework=r["framework"],
            kind=r["kind"],
            cases=int(r["cases"]),
            median_abs_error=float(r["median_abs_error"]),
            p90_abs_error=float(r["p90_abs_error"]),
            median_signed_error=float(r["median_signed_error"]),
            within_25_percent=float(r["within_25_percent"]),
        )
        for r in csv.DictReader(lines)
    )


def inference_accuracy(
    split: str = "held-out", framework: str | None = None, *, disaggregated: bool = False
) -> dict[str, PredictionAccuracy]:
    """The shipped accuracy of each reported quantity on one split, keyed by quantity.

    With ``framework`` the framework's own row where it has one (enough cases), else the row over
    all frameworks. With ``disaggregated`` (held out only) TTFT and TPOT are those of the
    disaggregated prefill / decode rows, throughput stays the aggregated one (no disaggregated
    throughput measurement).
    """

    def pick(of_split: str) -> dict[str, PredictionAccuracy]:
        rows = [r for r in shipped_inference_accuracy() if r.split == of_split]
        out = {r.quantity: r for r in rows if r.framework == "all"}
        out.update({r.quantity: r for r in rows if framework is not None and r.framework == framework})
        return out

    out = pick(split)
    if disaggregated and split == "held-out":
        out.update(pick(DISAGGREGATED_SPLIT))
    return out


def render_accuracy_markdown(rows: Sequence[PredictionAccuracy]) -> str:
    """The accuracy rows as a Markdown table, the form the documentation shows.

    One line per row in the given order; the over-all-frameworks rows state the target
    (:data:`MEDIAN_TARGETS`; for throughput also none beyond 25 %) and whether it is met.
    """
    head = (
        "| quantity | split | framework | cases | median abs error | 90th percentile | median signed "
        "| within 25 % | target |\n"
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |\n"
    )
    lines = []
    for r in rows:
        target = ""
        if r.framework == "all":
            goal = MEDIAN_TARGETS[r.quantity]
            met = r.median_abs_error <= goal
            target = f"median {goal:.0%}"
            if r.quantity == "output_tokens_per_s":
                met = met and r.within_25_percent >= 1.0
                target += ", none beyond 25%"
            target += f": {'met' if met else 'not met'}"
        lines.append(
            f"| {QUANTITY_LABELS[r.quantity]} | {r.split} | {r.framework} | {r.cases:,} "
            f"| {r.median_abs_error:.1%} | {r.p90_abs_error:.1%} | {r.median_signed_error:+.1%} "
            f"| {r.within_25_percent:.1%} | {target} |"
        )
    return head + "\n".join(lines).replace("%", " %") + "\n"


def replace_marked_block(text: str, block: str) -> str:
    """``text`` with what lies between :data:`TABLE_BEGIN` and :data:`TABLE_END` replaced by ``block``.

    Raises :class:`ValueError` when the markers are missing or out of order.
    """
    start = text.find(TABLE_BEGIN)
    end = text.find(TABLE_END)
    if start < 0 or end < start:
        raise ValueError(f"the accuracy-table markers are missing: add {TABLE_BEGIN!r} and {TABLE_END!r}")
    head = text[: start + len(TABLE_BEGIN)]
    return f"{head}\n{block}{text[end:]}"
