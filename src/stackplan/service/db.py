"""Database schema (SQLAlchemy 2 ORM), engine set-up and migrations.

Every table that holds an organisation's data carries ``org_id``; the store (``store.py``) never
reads a row without filtering on it. Scenario versions and plan results are immutable once written:
an edit adds a new version row, a re-run adds a new run row.
"""

from __future__ import annotations

import os
import secrets
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from sqlalchemy import (
    JSON,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    create_engine,
    event,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship, sessionmaker

__all__ = [
    "ApiToken",
    "AppSetting",
    "AuditEvent",
    "Base",
    "Organization",
    "PlanResult",
    "PlanRun",
    "Scenario",
    "ScenarioVersion",
    "User",
    "default_database_url",
    "make_engine",
    "make_sessionmaker",
    "migrate",
    "new_id",
    "utcnow",
]

#: Roles, from least to most privileged: viewers read and export, editors also write and run plans,
#: admins also read the audit log.
ROLES = ("viewer", "editor", "admin")

#: Run states; ``queued`` and ``running`` runs found at start-up were interrupted and become ``failed``.
RUN_STATES = ("queued", "running", "succeeded", "failed")


def utcnow() -> datetime:
    """The current time in UTC (timezone-aware)."""
    return datetime.now(UTC)


def new_id() -> str:
    """A random, unguessable public id (22 URL-safe characters, 128 bits)."""
    return secrets.token_urlsafe(16)


class Base(DeclarativeBase):
    """Declarative base of the service's tables."""

    type_annotation_map: dict[Any, Any] = {datetime: DateTime(timezone=True)}  # noqa: RUF012


class Organization(Base):
    """A tenant: every scenario, run and audit event belongs to exactly one organisation."""

    __tablename__ = "organizations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class User(Base):
    """A person in one organisation, with a role and (after first sign-in) an argon2 password hash."""

    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    email: Mapped[str] = mapped_column(String(320), unique=True)
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str | None] = mapped_column(String(255), default=None)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class ApiToken(Base):
    """An API token, stored only as its SHA-256 hash."""

    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(default=None)


class Scenario(Base):
    """A named scenario; its content lives in immutable :class:`ScenarioVersion` rows."""

    __tablename__ = "scenarios"
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    current_version: Mapped[int] = mapped_column(Integer, default=1)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ScenarioVersion(Base):
    """One saved version of a scenario (never updated after insert)."""

    __tablename__ = "scenario_versions"
    __table_args__ = (UniqueConstraint("scenario_id", "version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(200))
    yaml_text: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)


class PlanRun(Base):
    """A plan job for one scenario version: its state, progress [0..1] and result (the plan JSON).

    A queued or running run is leased by the process that runs it (``lease_owner``), which renews
    ``lease_heartbeat_at`` every few seconds; a run whose lease expired was interrupted (see ``jobs.py``).
    """

    __tablename__ = "plan_runs"
    __table_args__ = (Index("ix_plan_runs_scenario_created", "scenario_id", "created_at"),)
    id: Mapped[str] = mapped_column(String(32), primary_key=True, default=new_id)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    scenario_id: Mapped[str] = mapped_column(ForeignKey("scenarios.id"), index=True)
    scenario_version: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    message: Mapped[str] = mapped_column(String(200), default="queued")
    error: Mapped[str | None] = mapped_column(Text, default=None)
    created_by: Mapped[int] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(default=None)
    lease_owner: Mapped[str | None] = mapped_column(String(32), default=None)
    lease_heartbeat_at: Mapped[datetime | None] = mapped_column(default=None)
    result_row: Mapped[PlanResult | None] = relationship(lazy="select", uselist=False)

    @property
    def result(self) -> dict[str, Any] | None:
        """The plan JSON contract of a succeeded run (loaded on first access)."""
        return self.result_row.result if self.result_row is not None else None


class PlanResult(Base):
    """The plan of a succeeded run (kept apart from ``plan_runs`` so that listing runs stays cheap).

    ``answer_gz`` is the API answer for the run (``GET /api/v1/plans/{id}``), gzip-compressed JSON, written
    once when the run succeeds: a succeeded run never changes, so reads serve these bytes as they are.
    """

    __tablename__ = "plan_results"
    run_id: Mapped[str] = mapped_column(ForeignKey("plan_runs.id"), primary_key=True)
    result: Mapped[dict[str, Any]] = mapped_column(JSON)
    answer_gz: Mapped[bytes | None] = mapped_column(LargeBinary, default=None)


class AuditEvent(Base):
    """Who did what to which object, and when (append-only)."""

    __tablename__ = "audit_events"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    org_id: Mapped[int] = mapped_column(ForeignKey("organizations.id"), index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), default=None)
    action: Mapped[str] = mapped_column(String(40))
    object_type: Mapped[str] = mapped_column(String(40))
    object_id: Mapped[str] = mapped_column(String(64))
    detail: Mapped[str] = mapped_column(String(500), default="")
    created_at: Mapped[datetime] = mapped_column(default=utcnow, index=True)


class AppSetting(Base):
    """Service-wide settings kept in the database (the session signing key)."""

    __tablename__ = "app_settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


def default_database_url() -> str:
    """The embedded default: a SQLite file under ``$STACKPLAN_HOME`` (default ``~/.stackplan``)."""
    home = Path(os.environ.get("STACKPLAN_HOME", Path.home() / ".stackplan"))
    return f"sqlite:///{home / 'stackplan.db'}"


def make_engine(url: str) -> Engine:
    """Create an engine; for SQLite, create the folder and turn on WAL, foreign keys and a busy timeout."""
    if url.startswith("sqlite"):
        path = url.split("///", 1)[1] if "///" in url else ""
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 30})

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.close()

        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def make_sessionmaker(engine: Engine) -> sessionmaker[Any]:
    """A session factory whose objects stay readable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def migrate(engine: Engine) -> None:
    """Apply the shipped Alembic migrations up to head (idempotent)."""
    cfg = Config()
    cfg.set_main_option("script_location", str(Path(__file__).parent / "migrations"))
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
