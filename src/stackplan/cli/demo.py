"""``stackplan demo``: what `make demo` runs.

First a training prediction for a bundled example (a catalogue model on a catalogue accelerator,
searching the parallel configuration), then the end-to-end plan of the bundled example scenario
with its terminal summary and the HTML report written to ``out/plan.html``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from stackplan.cli import app
from stackplan.cli._common import console, handle_errors, write_atomic
from stackplan.errors import InvalidInputError

#: The bundled training example: Llama 3.1 70B pretrained on 15T tokens on 1,024 H100 (8k
#: sequences, 16M-token global batch as in the Llama 3 paper).
DEMO_MODEL = "llama-3.1-70b"
DEMO_ACCELERATOR = "h100-sxm"
DEMO_COUNT = 1024
DEMO_TOKENS = 15e12
DEMO_SEQ_LEN = 8192
DEMO_GLOBAL_BATCH_SEQS = 2048
#: The bundled example scenario `make demo` plans (shipped in the package: ``stackplan.examples``).
DEMO_SCENARIO_NAME = "enterprise_research.yaml"
#: Where `make demo` writes the HTML report.
DEMO_HTML = Path("out/plan.html")


def _training_demo() -> None:
    from stackplan.cli.predict_training import render_training
    from stackplan.perf.prediction import predict_training

    console.print(
        f"Stackplan demo: training {DEMO_MODEL} on {DEMO_COUNT} x {DEMO_ACCELERATOR}, {DEMO_TOKENS:.3g} tokens"
    )
    p = predict_training(
        DEMO_MODEL,
        DEMO_ACCELERATOR,
        DEMO_COUNT,
        tokens=DEMO_TOKENS,
        seq_len=DEMO_SEQ_LEN,
        global_batch_seqs=DEMO_GLOBAL_BATCH_SEQS,
    )
    render_training(p)


def _plan_demo(scenario: Path, html: Path) -> None:
    from stackplan.plan import build_plan
    from stackplan.report.html import plan_html
    from stackplan.report.terminal import print_plan

    if not scenario.exists():
        raise InvalidInputError(
            "--scenario", "scenario file not found", scenario, "give the path of a scenario file"
        )
    plan = build_plan(scenario)
    text = plan_html(plan)
    console.rule(f"Plan of the example scenario {scenario}")
    print_plan(plan, console)
    write_atomic(html, text)
    console.print(
        f"\nwrote the HTML report to {html} (open it in a browser; it works offline)", highlight=False
    )


@app.command("demo")
@handle_errors
def demo(
    scenario: Annotated[
        Path | None, typer.Option(help="Scenario to plan [default: the bundled enterprise_research example].")
    ] = None,
    html: Annotated[Path, typer.Option(help="Where to write the HTML report.")] = DEMO_HTML,
    training: Annotated[bool, typer.Option(help="Also run the training-prediction demo first.")] = True,
) -> None:
    """Run the training demo, then plan the bundled example scenario and write the HTML report."""
    if training:
        _training_demo()
    if scenario is None:
        from stackplan.examples import example_path

        scenario = example_path(DEMO_SCENARIO_NAME)
    _plan_demo(scenario, html)
