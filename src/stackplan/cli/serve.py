"""``stackplan serve`` and ``stackplan admin ...``: run the web service and bootstrap organisations and users."""

from __future__ import annotations

import socket
from typing import Annotated

import typer

from stackplan.cli import app
from stackplan.cli._common import console, handle_errors
from stackplan.errors import InvalidInputError

admin_app = typer.Typer(
    rich_markup_mode=None, help="Bootstrap the web service: organisations and users.", no_args_is_help=True
)
app.add_typer(admin_app, name="admin")

DatabaseOpt = Annotated[
    str | None,
    typer.Option(
        "--database",
        help="SQLAlchemy URL: sqlite:///PATH or postgresql+psycopg://USER:PASS@HOST/DB. "
        "Default: a SQLite file in $STACKPLAN_HOME (~/.stackplan).",
        envvar="STACKPLAN_DATABASE_URL",
    ),
]


def _services(database: str | None):  # type: ignore[no-untyped-def]
    try:
        from stackplan.service.app import open_services
    except ImportError as err:  # the 'service' extra is not installed
        raise InvalidInputError(
            "serve",
            f"the web service needs extra packages ({err.name} is missing)",
            None,
            "pip install 'stackplan[service]'",
        ) from None
    return open_services(database, None, workers=1)


@app.command("serve")
@handle_errors
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="TCP port.", min=1, max=65535)] = 8000,
    database: DatabaseOpt = None,
    workers: Annotated[int, typer.Option(help="Plan worker threads per process.", min=1, max=16)] = 2,
    processes: Annotated[
        int,
        typer.Option(
            help="Server processes answering requests (one per core suits reads; plan runs are leased, "
            "so processes can share one database).",
            min=1,
            max=16,
        ),
    ] = 1,
    access_log: Annotated[bool, typer.Option(help="Log every request (one line each).")] = True,
) -> None:
    """Start the web app and API (FastAPI under uvicorn); migrations are applied at start."""
    from stackplan.service.app import prepare_database
    from stackplan.service.db import default_database_url, make_engine
    from stackplan.service.server import serve as run_server

    if processes > 1 and not hasattr(socket, "SO_REUSEPORT"):
        raise InvalidInputError(
            "--processes", "several processes need SO_REUSEPORT (Linux, BSD, macOS)", processes, "use 1"
        )
    url = database or default_database_url()
    engine = make_engine(url)
    _key, interrupted = prepare_database(engine)
    shown = engine.url.render_as_string(hide_password=True)
    engine.dispose()
    console.print(f"Stackplan service: database [bold]{shown}[/]")
    if interrupted:
        console.print(f"{interrupted} plan run(s) interrupted by the last stop were marked failed.")
    console.print(f"Open http://{host}:{port}/  (API: /api/v1, OpenAPI: /openapi.json)")
    run_server(url, host, port, processes=processes, workers=workers, access_log=access_log)


@admin_app.command("create-org")
@handle_errors
def create_org(
    name: Annotated[str, typer.Argument(help="Organisation name (unique).")], database: DatabaseOpt = None
) -> None:
    """Create an organisation."""
    from stackplan.service import store

    svc = _services(database)
    try:
        with svc.sessions.begin() as s:
            org = store.create_org(s, name)
    except (store.ConflictError, store.NotFoundError) as err:
        raise InvalidInputError("NAME", str(err), name, "choose another name") from None
    console.print(f"Created organisation [bold]{org.name}[/] (id {org.id}).")


@admin_app.command("create-user")
@handle_errors
def create_user(
    org: Annotated[str, typer.Option("--org", help="Organisation name.")],
    email: Annotated[str, typer.Option("--email", help="E-mail address (the sign-in name).")],
    role: Annotated[str, typer.Option("--role", help="viewer, editor or admin.")] = "viewer",
    password: Annotated[
        str | None,
        typer.Option("--password", help="Set the password now (else on first sign-in with the token)."),
    ] = None,
    database: DatabaseOpt = None,
) -> None:
    """Create a user and print their API token once (it is stored only as a hash)."""
    from stackplan.service import store

    if password is not None and len(password) < 10:
        raise InvalidInputError(
            "--password", "too short", f"{len(password)} characters", "use at least 10 characters"
        )
    svc = _services(database)
    try:
        with svc.sessions.begin() as s:
            user, token = store.create_user(s, org, email, role, password)
    except store.NotFoundError as err:
        raise InvalidInputError("--org", str(err), org, "create the organisation first") from None
    except store.ConflictError as err:
        raise InvalidInputError(
            "--email/--role", str(err), email, "use another e-mail or a valid role"
        ) from None
    console.print(f"Created {user.role} [bold]{user.email}[/] in {org}.")
    console.print("API token (shown once; it also sets the password at first sign-in):")
    typer.echo(token)


EmailOpt = Annotated[str, typer.Option("--email", help="The user's e-mail address.")]


@admin_app.command("revoke-token")
@handle_errors
def revoke_token(email: EmailOpt, database: DatabaseOpt = None) -> None:
    """Revoke every API token of a user (a leaked token stops working at once)."""
    from stackplan.service import store

    svc = _services(database)
    try:
        with svc.sessions.begin() as s:
            count = store.revoke_tokens(s, email)
    except store.NotFoundError as err:
        raise InvalidInputError("--email", str(err), email, "give the e-mail of an existing user") from None
    console.print(
        f"Revoked {count} API token(s) of {email}; 'stackplan admin rotate-token' issues a new one."
    )


@admin_app.command("rotate-token")
@handle_errors
def rotate_token(email: EmailOpt, database: DatabaseOpt = None) -> None:
    """Revoke a user's API tokens and print a new one once (it is stored only as a hash)."""
    from stackplan.service import store

    svc = _services(database)
    try:
        with svc.sessions.begin() as s:
            token = store.rotate_token(s, email)
    except store.NotFoundError as err:
        raise InvalidInputError("--email", str(err), email, "give the e-mail of an existing user") from None
    console.print(f"The previous API tokens of {email} are revoked. New API token (shown once):")
    typer.echo(token)
