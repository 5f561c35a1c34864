"""Alembic environment: migrations run on the connection the service hands over (see ``db.migrate``)."""

from __future__ import annotations

from alembic import context
from sqlalchemy import create_engine

from stackplan.service.db import Base

target_metadata = Base.metadata


def _run() -> None:
    connection = context.config.attributes.get("connection")
    if connection is None:  # run from the alembic command line with sqlalchemy.url set
        engine = create_engine(context.config.get_main_option("sqlalchemy.url") or "")
        with engine.begin() as conn:
            context.configure(connection=conn, target_metadata=target_metadata, render_as_batch=True)
            with context.begin_transaction():
                context.run_migrations()
        return
    context.configure(connection=connection, target_metadata=target_metadata, render_as_batch=True)
    with context.begin_transaction():
        context.run_migrations()


_run()
