"""Rebuild ``src/stackplan/validation/data/inference_accuracy.csv`` from the validation cases,
and the accuracy table generated from it in ``docs/inference-model.md``.

Run after any change to the inference model or its validation data (tests fail until the shipped
file and the table match)::

    .venv/bin/python tools/build_inference_accuracy.py
"""

from __future__ import annotations

from pathlib import Path

from stackplan.validation.accuracy import (
    compute_inference_accuracy,
    read_inference_accuracy,
    render_accuracy_markdown,
    replace_marked_block,
    write_inference_accuracy,
)

ROOT = Path(__file__).resolve().parents[1]
TARGET = ROOT / "src/stackplan/validation/data/inference_accuracy.csv"
DOCS = ROOT / "docs/inference-model.md"


def main() -> None:
    rows = compute_inference_accuracy()
    write_inference_accuracy(TARGET, rows)
    # the table shows the figures as shipped (rounded as in the file), as the CLI prints them
    shipped = read_inference_accuracy(TARGET.read_text(encoding="utf-8"))
    table = render_accuracy_markdown(shipped)
    DOCS.write_text(replace_marked_block(DOCS.read_text(encoding="utf-8"), table), encoding="utf-8")
    for r in rows:
        print(
            f"{r.quantity:20s} {r.split:9s} {r.framework:6s} n={r.cases:5d} median {r.median_abs_error:6.1%} "
            f"p90 {r.p90_abs_error:7.1%} signed {r.median_signed_error:+6.1%} "
            f"within 25 % {r.within_25_percent:5.1%}"
        )


if __name__ == "__main__":
    main()
