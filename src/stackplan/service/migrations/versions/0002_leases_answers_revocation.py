"""Run leases, pre-serialised plan answers, API token revocation.

- ``plan_runs.lease_owner`` / ``lease_heartbeat_at``: the process that runs a queued or running plan and when it
  last said it is alive; at start only runs whose lease expired are marked failed (several processes may share
  one database).
- ``plan_results.answer_gz``: the API answer of a succeeded run (immutable), gzip-compressed JSON, served as is.
- ``api_tokens.revoked_at``: a revoked token no longer authenticates.
- an index on ``plan_runs (scenario_id, created_at)`` for the latest run of each scenario.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-27
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

_TS = sa.DateTime(timezone=True)


def upgrade() -> None:
    with op.batch_alter_table("plan_runs") as batch:
        batch.add_column(sa.Column("lease_owner", sa.String(32), nullable=True))
        batch.add_column(sa.Column("lease_heartbeat_at", _TS, nullable=True))
        batch.create_index("ix_plan_runs_scenario_created", ["scenario_id", "created_at"])
    with op.batch_alter_table("plan_results") as batch:
        batch.add_column(sa.Column("answer_gz", sa.LargeBinary(), nullable=True))
    with op.batch_alter_table("api_tokens") as batch:
        batch.add_column(sa.Column("revoked_at", _TS, nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("api_tokens") as batch:
        batch.drop_column("revoked_at")
    with op.batch_alter_table("plan_results") as batch:
        batch.drop_column("answer_gz")
    with op.batch_alter_table("plan_runs") as batch:
        batch.drop_index("ix_plan_runs_scenario_created")
        batch.drop_column("lease_heartbeat_at")
        batch.drop_column("lease_owner")
