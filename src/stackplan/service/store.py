"""Data access, always scoped to the caller's organisation.

Every function takes the :class:`Actor` making the call and filters on ``actor.org_id``: an id that
belongs to another organisation is indistinguishable from an id that does not exist (:class:`NotFoundError`).
Writes happen inside the caller's transaction (``with session.begin():``) and add an audit event in it.
"""

from __future__ import annotations

import difflib
import gzip
import json
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.orm import Session, aliased, joinedload

from stackplan.service.db import (
    ROLES,
    ApiToken,
    AppSetting,
    AuditEvent,
    Organization,
    PlanResult,
    PlanRun,
    Scenario,
    ScenarioVersion,
    User,
    utcnow,
)
from stackplan.service.security import hash_password, hash_token, new_api_token

__all__ = [
    "Actor",
    "ConflictError",
    "ForbiddenError",
    "NotFoundError",
    "StaleVersionError",
]


class NotFoundError(Exception):
    """The object does not exist in the caller's organisation."""


class ForbiddenError(Exception):
    """The caller's role does not allow the action."""


class ConflictError(Exception):
    """The request conflicts with the current state (duplicate name, bad state)."""


class StaleVersionError(Exception):
    """A save based on a version that is no longer the current one."""

    def __init__(self, detail: dict[str, Any]) -> None:
        self.detail = detail
        super().__init__(detail["message"])


@dataclass(frozen=True)
class Actor:
    """Who is calling: user, organisation and role."""

    user_id: int
    org_id: int
    email: str
    role: str

    def can_write(self) -> bool:
        """Editors and admins create, edit and run; viewers only read and export."""
        return self.role in ("editor", "admin")

    def require_write(self) -> None:
        """Raise :class:`ForbiddenError` unless the caller may write."""
        if not self.can_write():
            raise ForbiddenError("your role (viewer) can read and export but not create, edit or run")

    def require_admin(self) -> None:
        """Raise :class:`ForbiddenError` unless the caller is an admin."""
        if self.role != "admin":
            raise ForbiddenError("only admins can do this")


@contextmanager
def transaction(s: Session) -> Iterator[Session]:
    """Commit what the block wrote, or roll all of it back on any error."""
    try:
        yield s
        s.commit()
    except BaseException:
        s.rollback()
        raise


def actor_of(user: User) -> Actor:
    """The :class:`Actor` for a user row."""
    return Actor(user.id, user.org_id, user.email, user.role)


def audit(
    s: Session, actor: Actor | None, org_id: int, action: str, obj: str, obj_id: str, detail: str = ""
) -> None:
    """Append an audit event (inside the caller's transaction)."""
    s.add(
        AuditEvent(
            org_id=org_id,
            user_id=actor.user_id if actor else None,
            action=action,
            object_type=obj,
            object_id=obj_id,
            detail=detail[:500],
        )
    )


# ------------------------------------------------------------------------------------- settings, admin
def get_or_create_setting(s: Session, key: str, make: Any) -> str:
    """A service setting, created with ``make()`` on first use."""
    row = s.get(AppSetting, key)
    if row is None:
        row = AppSetting(key=key, value=make())
        s.add(row)
        s.flush()
    return row.value


def create_org(s: Session, name: str) -> Organization:
    """Create an organisation (names are unique)."""
    name = name.strip()
    if not name:
        raise ConflictError("the organisation name is empty")
    if s.scalar(select(Organization).where(Organization.name == name)) is not None:
        raise ConflictError(f"organisation {name!r} already exists")
    org = Organization(name=name)
    s.add(org)
    s.flush()
    audit(s, None, org.id, "create", "organization", str(org.id), name)
    return org


def create_user(s: Session, org_name: str, email: str, role: str, password: str | None) -> tuple[User, str]:
    """Create a user and their first API token; returns (user, token). The token is shown once."""
    if role not in ROLES:
        raise ConflictError(f"unknown role {role!r}; use one of {', '.join(ROLES)}")
    org = s.scalar(select(Organization).where(Organization.name == org_name))
    if org is None:
        raise NotFoundError(
            f"no organisation named {org_name!r}; create it with 'stackplan admin create-org'"
        )
    email = email.strip().lower()
    if "@" not in email:
        raise ConflictError(f"{email!r} is not an e-mail address")
    if s.scalar(select(User).where(User.email == email)) is not None:
        raise ConflictError(f"a user with e-mail {email!r} already exists")
    user = User(
        org_id=org.id, email=email, role=role, password_hash=hash_password(password) if password else None
    )
    s.add(user)
    s.flush()
    token = new_api_token()
    s.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
    audit(s, None, org.id, "create", "user", str(user.id), f"{email} ({role})")
    return user, token


def user_by_token(s: Session, token: str) -> User | None:
    """The user a live (not revoked) API token belongs to."""
    return s.scalar(
        select(User)
        .join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    )


#: The caller of a live token (built once: this runs on every API request).
_ACTOR_BY_TOKEN = (
    select(User.id, User.org_id, User.email, User.role)
    .join(ApiToken, ApiToken.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("token_hash"), ApiToken.revoked_at.is_(None))
)


def actor_by_token(s: Session, token: str) -> Actor | None:
    """The :class:`Actor` of a live API token: one indexed lookup (unique ``token_hash``), no ORM objects."""
    row = s.execute(_ACTOR_BY_TOKEN, {"token_hash": hash_token(token)}).one_or_none()
    return None if row is None else Actor(row.id, row.org_id, row.email, row.role)


def user_by_email(s: Session, email: str) -> User | None:
    """The user with this e-mail address."""
    return s.scalar(select(User).where(User.email == email.strip().lower()))


def _user_in(s: Session, email: str, org_id: int | None) -> User:
    q = select(User).where(User.email == email.strip().lower())
    if org_id is not None:
        q = q.where(User.org_id == org_id)
    user = s.scalar(q)
    if user is None:
        raise NotFoundError(f"no user with e-mail {email!r}" + (" in your organisation" if org_id else ""))
    return user


def _revoke_all(s: Session, user_id: int) -> int:
    res = s.execute(
        update(ApiToken)
        .where(ApiToken.user_id == user_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return int(getattr(res, "rowcount", 0) or 0)


def revoke_tokens(s: Session, email: str, *, actor: Actor | None = None) -> int:
    """Revoke every live API token of a user; returns how many. Takes effect on the next request.

    With an ``actor`` (the API), only an admin may do it and only in their own organisation (another
    organisation's user answers :class:`NotFoundError`); without one (the ``stackplan admin`` CLI, which
    has the database), any user.
    """
    if actor is not None:
        actor.require_admin()
    user = _user_in(s, email, actor.org_id if actor else None)
    count = _revoke_all(s, user.id)
    audit(s, actor, user.org_id, "revoke-tokens", "user", str(user.id), f"{user.email}: {count} token(s)")
    return count


def rotate_token(s: Session, email: str, *, actor: Actor | None = None) -> str:
    """Revoke a user's API tokens and issue a new one; returns it (shown once, stored as a hash).

    Anyone may rotate their own token; rotating someone else's needs an admin of the same organisation
    (or the CLI, without ``actor``).
    """
    if actor is not None and actor.email != email.strip().lower():
        actor.require_admin()
    user = _user_in(s, email, actor.org_id if actor else None)
    _revoke_all(s, user.id)
    token = new_api_token()
    s.add(ApiToken(user_id=user.id, token_hash=hash_token(token)))
    audit(s, actor, user.org_id, "rotate-token", "user", str(user.id), user.email)
    return token


def org_name(s: Session, org_id: int) -> str:
    """The organisation's name."""
    org = s.get(Organization, org_id)
    return org.name if org else ""


# -------------------------------------------------------------------------------------------- scenarios
def _scenario(s: Session, actor: Actor, scenario_id: str) -> Scenario:
    sc = s.scalar(select(Scenario).where(Scenario.id == scenario_id, Scenario.org_id == actor.org_id))
    if sc is None:
        raise NotFoundError(f"scenario {scenario_id!r} not found")
    return sc


# The newest run of the scenario on the row (index on plan_runs (scenario_id, created_at)).
_newest = aliased(PlanRun)
_LATEST_RUN_ID = (
    select(_newest.id)
    .where(_newest.scenario_id == Scenario.id)
    .order_by(_newest.created_at.desc(), _newest.id.desc())
    .limit(1)
    .correlate(Scenario)
    .scalar_subquery()
)

#: One statement, built once: a page of the organisation's scenarios with their author and latest run.
_LIST_SCENARIOS = (
    select(
        Scenario.id,
        Scenario.name,
        Scenario.current_version,
        Scenario.created_at,
        Scenario.updated_at,
        User.email,
        PlanRun.id.label("run_id"),
        PlanRun.scenario_version,
        PlanRun.status,
        PlanRun.progress,
        PlanRun.message,
        PlanRun.created_at.label("run_created_at"),
        PlanRun.finished_at,
    )
    .join(User, User.id == Scenario.created_by)
    .outerjoin(PlanRun, PlanRun.id == _LATEST_RUN_ID)
    .where(Scenario.org_id == bindparam("org_id"))
    .order_by(Scenario.updated_at.desc(), Scenario.id)
    .limit(bindparam("limit"))
    .offset(bindparam("offset"))
)


def list_scenarios(s: Session, actor: Actor, limit: int = 200, offset: int = 0) -> list[dict[str, Any]]:
    """The organisation's scenarios, most recently changed first, with their latest run.

    A hot read path: one prepared Core statement, the needed columns only, no ORM objects.
    """
    rows = s.execute(_LIST_SCENARIOS, {"org_id": actor.org_id, "limit": limit, "offset": offset}).all()
    return [
        {
            "id": r.id,
            "name": r.name,
            "version": r.current_version,
            "created_by": r.email,
            "created_at": r.created_at.isoformat(),
            "updated_at": r.updated_at.isoformat(),
            "latest_run": None
            if r.run_id is None
            else {
                "run_id": r.run_id,
                "scenario_id": r.id,
                "scenario_version": r.scenario_version,
                "status": r.status,
                "progress": r.progress,
                "message": r.message,
                "created_at": r.run_created_at.isoformat(),
                "finished_at": r.finished_at.isoformat() if r.finished_at else None,
            },
        }
        for r in rows
    ]


def _emails(s: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return {u.id: u.email for u in s.scalars(select(User).where(User.id.in_(ids))).all()}


def create_scenario(s: Session, actor: Actor, name: str, yaml_text: str) -> Scenario:
    """Create a scenario with its version 1."""
    actor.require_write()
    now = utcnow()
    sc = Scenario(
        org_id=actor.org_id,
        name=name,
        current_version=1,
        created_by=actor.user_id,
        created_at=now,
        updated_at=now,
    )
    s.add(sc)
    s.flush()
    s.add(
        ScenarioVersion(
            scenario_id=sc.id,
            version=1,
            name=name,
            yaml_text=yaml_text,
            created_by=actor.user_id,
            created_at=now,
        )
    )
    audit(s, actor, actor.org_id, "create", "scenario", sc.id, f"{name} v1")
    return sc


def get_scenario(s: Session, actor: Actor, scenario_id: str, version: int | None = None) -> dict[str, Any]:
    """A scenario with one version's YAML (the current one by default) and its version history."""
    sc = _scenario(s, actor, scenario_id)
    versions = s.scalars(
        select(ScenarioVersion)
        .where(ScenarioVersion.scenario_id == sc.id)
        .order_by(ScenarioVersion.version.desc())
    ).all()
    want = version or sc.current_version
    chosen = next((v for v in versions if v.version == want), None)
    if chosen is None:
        raise NotFoundError(f"scenario {scenario_id!r} has no version {want}")
    users = _emails(s, {v.created_by for v in versions})
    return {
        "id": sc.id,
        "name": chosen.name,
        "version": chosen.version,
        "current_version": sc.current_version,
        "yaml": chosen.yaml_text,
        "created_at": sc.created_at.isoformat(),
        "updated_at": sc.updated_at.isoformat(),
        "versions": [
            {
                "version": v.version,
                "name": v.name,
                "created_by": users.get(v.created_by, ""),
                "created_at": v.created_at.isoformat(),
            }
            for v in versions
        ],
    }


def save_version(
    s: Session, actor: Actor, scenario_id: str, base_version: int, name: str | None, yaml_text: str
) -> Scenario:
    """Save a new immutable version on top of ``base_version``.

    Raises :class:`StaleVersionError` (with the versions saved since and a diff) when ``base_version`` is not
    the current version. The check and the insert run in one transaction; the unique (scenario, version)
    constraint stops two concurrent saves of the same base.
    """
    actor.require_write()
    sc = _scenario(s, actor, scenario_id)
    if base_version != sc.current_version:
        base = s.scalar(
            select(ScenarioVersion).where(
                ScenarioVersion.scenario_id == sc.id, ScenarioVersion.version == base_version
            )
        )
        current = s.scalar(
            select(ScenarioVersion).where(
                ScenarioVersion.scenario_id == sc.id, ScenarioVersion.version == sc.current_version
            )
        )
        newer = s.scalars(
            select(ScenarioVersion)
            .where(ScenarioVersion.scenario_id == sc.id, ScenarioVersion.version > base_version)
            .order_by(ScenarioVersion.version)
        ).all()
        users = _emails(s, {v.created_by for v in newer})
        diff = (
            "".join(
                difflib.unified_diff(
                    base.yaml_text.splitlines(keepends=True),
                    current.yaml_text.splitlines(keepends=True),
                    f"version {base_version}",
                    f"version {sc.current_version}",
                )
            )
            if base is not None and current is not None
            else ""
        )
        raise StaleVersionError(
            {
                "message": (
                    f"version {base_version} is not the current version ({sc.current_version}); "
                    "reload, re-apply your change and save again"
                ),
                "current_version": sc.current_version,
                "changes": [
                    {
                        "version": v.version,
                        "name": v.name,
                        "by": users.get(v.created_by, ""),
                        "at": v.created_at.isoformat(),
                    }
                    for v in newer
                ],
                "diff": diff,
            }
        )
    new_version = sc.current_version + 1
    now = utcnow()
    label = name or sc.name
    # conditional update: a concurrent save of the same base updates 0 rows and loses
    res = s.execute(
        update(Scenario)
        .where(Scenario.id == sc.id, Scenario.current_version == base_version)
        .values(current_version=new_version, name=label, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if getattr(res, "rowcount", 1) != 1:
        raise StaleVersionError(
            {
                "message": "another save landed first; reload",
                "current_version": new_version,
                "changes": [],
                "diff": "",
            }
        )
    s.add(
        ScenarioVersion(
            scenario_id=sc.id,
            version=new_version,
            name=label,
            yaml_text=yaml_text,
            created_by=actor.user_id,
            created_at=now,
        )
    )
    audit(s, actor, actor.org_id, "update", "scenario", sc.id, f"{label} v{new_version}")
    s.refresh(sc)
    return sc


def version_yaml(s: Session, actor: Actor, scenario_id: str, version: int) -> str:
    """The YAML of one version."""
    sc = _scenario(s, actor, scenario_id)
    v = s.scalar(
        select(ScenarioVersion).where(
            ScenarioVersion.scenario_id == sc.id, ScenarioVersion.version == version
        )
    )
    if v is None:
        raise NotFoundError(f"scenario {scenario_id!r} has no version {version}")
    return v.yaml_text


# ------------------------------------------------------------------------------------------------- runs
def _run_brief(r: PlanRun) -> dict[str, Any]:
    """A run without error and result."""
    return {
        "run_id": r.id,
        "scenario_id": r.scenario_id,
        "scenario_version": r.scenario_version,
        "status": r.status,
        "progress": r.progress,
        "message": r.message,
        "created_at": r.created_at.isoformat(),
        "finished_at": r.finished_at.isoformat() if r.finished_at else None,
    }


def create_run(
    s: Session, actor: Actor, scenario_id: str, version: int | None, *, lease_owner: str
) -> PlanRun:
    """Queue a plan run for a version (the current one by default), leased by the process ``lease_owner``."""
    actor.require_write()
    sc = _scenario(s, actor, scenario_id)
    v = version or sc.current_version
    if not 1 <= v <= sc.current_version:
        raise NotFoundError(f"scenario {scenario_id!r} has no version {v}")
    run = PlanRun(
        org_id=actor.org_id,
        scenario_id=sc.id,
        scenario_version=v,
        created_by=actor.user_id,
        created_at=utcnow(),
        lease_owner=lease_owner,
        lease_heartbeat_at=utcnow(),
    )
    s.add(run)
    s.flush()
    audit(s, actor, actor.org_id, "run", "plan", run.id, f"scenario {sc.name} v{v}")
    return run


def get_run(s: Session, actor: Actor, run_id: str, *, with_result: bool = True) -> PlanRun:
    """A run of the caller's organisation (its result loaded only when asked for)."""
    q = select(PlanRun).where(PlanRun.id == run_id, PlanRun.org_id == actor.org_id)
    if with_result:
        q = q.options(joinedload(PlanRun.result_row))
    run = s.scalar(q)
    if run is None:
        raise NotFoundError(f"plan run {run_id!r} not found")
    return run


def run_view(run: PlanRun, with_result: bool = True) -> dict[str, Any]:
    """The API form of a run: status, progress, message, error and result (the plan JSON contract)."""
    out = _run_brief(run)
    out["error"] = run.error
    if with_result:
        out["result"] = run.result
    return out


def encode_answer(view: dict[str, Any]) -> bytes:
    """The API answer of a run as gzip-compressed compact JSON (strict: no NaN or infinities)."""
    text = json.dumps(view, separators=(",", ":"), allow_nan=False)
    return gzip.compress(text.encode(), compresslevel=6, mtime=0)


def result_row(s: Session, run_id: str, result: dict[str, Any]) -> PlanResult:
    """The result row of a run that has just succeeded (call in the transaction that marked it so).

    Keeps the plan (``result``, for pages and exports) and the run's final API answer, pre-serialised
    (``answer_gz``), so that reading a plan costs one indexed select and no JSON work.
    """
    run = s.get(PlanRun, run_id, populate_existing=True)
    if run is None:
        raise NotFoundError(f"plan run {run_id!r} not found")
    view = {**_run_brief(run), "error": run.error, "result": result}
    return PlanResult(run_id=run_id, result=result, answer_gz=encode_answer(view))


#: The stored answer of a run of the caller's organisation (built once: a hot read path).
_ANSWER = (
    select(PlanResult.answer_gz)
    .join(PlanRun, PlanRun.id == PlanResult.run_id)
    .where(PlanRun.id == bindparam("run_id"), PlanRun.org_id == bindparam("org_id"))
)


def run_answer(s: Session, actor: Actor, run_id: str) -> tuple[bytes, bool]:
    """The API answer of a run: (body, gzip-compressed). A succeeded run's stored bytes are served as is."""
    stored = s.scalar(_ANSWER, {"run_id": run_id, "org_id": actor.org_id})
    if stored is not None:
        return stored, True
    view = run_view(get_run(s, actor, run_id))
    return json.dumps(view, separators=(",", ":")).encode(), False


def list_runs(
    s: Session, actor: Actor, scenario_id: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Recent runs of the organisation (optionally of one scenario), newest first, without results."""
    q = select(PlanRun).where(PlanRun.org_id == actor.org_id)
    if scenario_id is not None:
        q = q.where(PlanRun.scenario_id == _scenario(s, actor, scenario_id).id)
    rows = s.scalars(q.order_by(PlanRun.created_at.desc()).limit(limit)).all()
    return [_run_brief(r) for r in rows]


def latest_succeeded_run(s: Session, actor: Actor, scenario_id: str, version: int) -> PlanRun | None:
    """The newest successful run of one scenario version."""
    return s.scalar(
        select(PlanRun)
        .where(
            PlanRun.org_id == actor.org_id,
            PlanRun.scenario_id == scenario_id,
            PlanRun.scenario_version == version,
            PlanRun.status == "succeeded",
        )
        .order_by(PlanRun.created_at.desc())
        .limit(1)
    )


#: A run's lease lapses this long after its owner's last heartbeat [s]; the owner renews every
#: :data:`HEARTBEAT_INTERVAL_S`, so six heartbeats in a row must be missed (a dead or hung process).
LEASE_TTL_S = 60.0

#: How often a process renews the leases of its live runs [s].
HEARTBEAT_INTERVAL_S = 10.0


def renew_leases(s: Session, owner: str, now: datetime) -> int:
    """Renew the heartbeat of ``owner``'s queued and running runs; returns how many."""
    res = s.execute(
        update(PlanRun)
        .where(PlanRun.lease_owner == owner, PlanRun.status.in_(("queued", "running")))
        .values(lease_heartbeat_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(res, "rowcount", 0) or 0)


def fail_interrupted_runs(
    s: Session, now: datetime | None = None, ttl_s: float = LEASE_TTL_S, owner: str | None = None
) -> int:
    """Mark queued or running runs whose lease lapsed as failed; returns how many.

    A lease lapses ``ttl_s`` after its last heartbeat; runs without a lease (written before leases
    existed) count as lapsed. Runs that another live process holds are left alone, so several
    processes can share one database. With ``owner``, that process's own live runs are failed now,
    whatever their heartbeat (a clean shutdown that could not finish them).
    """
    cutoff = (now or utcnow()) - timedelta(seconds=ttl_s)
    lapsed = or_(PlanRun.lease_heartbeat_at.is_(None), PlanRun.lease_heartbeat_at < cutoff)
    if owner is not None:
        lapsed = or_(lapsed, PlanRun.lease_owner == owner)
    res = s.execute(
        update(PlanRun)
        .where(PlanRun.status.in_(("queued", "running")), lapsed)
        .values(
            status="failed",
            message="interrupted by a restart",
            error="interrupted by a service restart or crash (its process stopped); run it again",
            finished_at=utcnow(),
        )
        .execution_options(synchronize_session=False)
    )
    return int(getattr(res, "rowcount", 0) or 0)


# ------------------------------------------------------------------------------------------------ audit
def list_audit(s: Session, actor: Actor, limit: int = 200) -> list[dict[str, Any]]:
    """The organisation's audit log, newest first (admins only)."""
    actor.require_admin()
    rows = s.scalars(
        select(AuditEvent)
        .where(AuditEvent.org_id == actor.org_id)
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    ).all()
    users = _emails(s, {r.user_id for r in rows if r.user_id is not None})
    return [
        {
            "at": r.created_at.isoformat(),
            "user": users.get(r.user_id, "system") if r.user_id is not None else "system",
            "action": r.action,
            "object_type": r.object_type,
            "object_id": r.object_id,
            "detail": r.detail,
        }
        for r in rows
    ]
