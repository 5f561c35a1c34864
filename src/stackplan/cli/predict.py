"""``stackplan predict ...``: performance predictions (training, inference)."""

from __future__ import annotations

import typer

predict_app = typer.Typer(
    rich_markup_mode=None, help="Predict training and inference performance.", no_args_is_help=True
)

# Subcommands owned by their own modules register themselves on `predict_app` when imported.
from stackplan.cli import predict_inference as _predict_inference  # noqa: E402,F401
from stackplan.cli import predict_service as _predict_service  # noqa: E402,F401
from stackplan.cli import predict_training as _predict_training  # noqa: E402

_predict_training.register(predict_app)
