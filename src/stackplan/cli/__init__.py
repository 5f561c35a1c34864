"""The ``stackplan`` command line: a thin layer over the library."""

from __future__ import annotations

import typer

from stackplan import __version__
from stackplan.cli.catalog import catalog_app
from stackplan.cli.predict import predict_app

app = typer.Typer(
    rich_markup_mode=None,
    help="Stackplan: plan AI infrastructure end to end, and show the working.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
app.add_typer(catalog_app, name="catalog")
app.add_typer(predict_app, name="predict")


@app.command("version")
def version() -> None:
    """Print the Stackplan version."""
    typer.echo(__version__)


# Commands owned by their own modules register themselves on `app` when imported.
from stackplan.cli import catalog_costs as _catalog_costs  # noqa: E402,F401
from stackplan.cli import check as _check  # noqa: E402,F401
from stackplan.cli import demo as _demo  # noqa: E402,F401
from stackplan.cli import optimize as _optimize  # noqa: E402,F401
from stackplan.cli import plan as _plan  # noqa: E402,F401
from stackplan.cli import serve as _serve  # noqa: E402,F401
from stackplan.cli import validate as _validate  # noqa: E402,F401


def main() -> None:
    """Entry point of the ``stackplan`` script."""
    app()
