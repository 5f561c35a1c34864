"""``stackplan demo``: the main job on the bundled example (what `make demo` runs).

Until the planner exists, the demo predicts a training run of a catalogue model on a catalogue
accelerator, searching the parallel configuration, and prints the tables.
"""

from __future__ import annotations

from stackplan.cli import app
from stackplan.cli._common import console, handle_errors
from stackplan.cli.predict_training import render_training
from stackplan.perf.prediction import predict_training

#: The bundled example: Llama 3.1 70B pretrained on 15T tokens on 1,024 H100 (8k sequences,
#: 16M-token global batch as in the Llama 3 paper).
DEMO_MODEL = "llama-3.1-70b"
DEMO_ACCELERATOR = "h100-sxm"
DEMO_COUNT = 1024
DEMO_TOKENS = 15e12
DEMO_SEQ_LEN = 8192
DEMO_GLOBAL_BATCH_SEQS = 2048


@app.command("demo")
@handle_errors
def demo() -> None:
    """Run the main job on the bundled example."""
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
