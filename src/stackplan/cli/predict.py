"""``stackplan predict ...``: performance predictions (training, inference)."""

from __future__ import annotations

import typer

predict_app = typer.Typer(help="Predict training and inference performance.", no_args_is_help=True)
