"""Rebuild ``src/stackplan/validation/data/inference_accuracy.csv`` from the validation cases.

Run after any change to the inference model or its validation data (a test fails until the
shipped file matches)::

    .venv/bin/python tools/build_inference_accuracy.py
"""

from __future__ import annotations

from pathlib import Path

from stackplan.validation.accuracy import compute_inference_accuracy, write_inference_accuracy

TARGET = Path(__file__).resolve().parents[1] / "src/stackplan/validation/data/inference_accuracy.csv"


def main() -> None:
    rows = compute_inference_accuracy()
    write_inference_accuracy(TARGET, rows)
    for r in rows:
        print(
            f"{r.quantity:20s} {r.split:9s} {r.framework:6s} n={r.cases:5d} median {r.median_abs_error:6.1%} "
            f"p90 {r.p90_abs_error:7.1%} signed {r.median_signed_error:+6.1%} "
            f"within 25 % {r.within_25_percent:5.1%}"
        )


if __name__ == "__main__":
    main()
