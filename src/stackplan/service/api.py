"""REST API under ``/api/v1`` (Bearer token). Thin: validation by the planner, data by the store."""

from __future__ import annotations

import gzip
import json
from collections.abc import AsyncIterator
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request, Response
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session

from stackplan.catalog import CATALOG_VERSION
from stackplan.service import exports, store
from stackplan.service.app import Services
from stackplan.service.planning import catalogs

__all__ = ["router"]

#: Largest scenario file accepted [characters].
MAX_YAML_CHARS = 256 * 1024

_bearer = HTTPBearer(auto_error=False, description="API token printed by `stackplan admin create-user`.")

ScenarioId = Annotated[str, Path(min_length=1, max_length=64, description="Scenario id.")]
RunId = Annotated[str, Path(min_length=1, max_length=64, description="Plan run id.")]


# ----------------------------------------------------------------------------------------- schemas
class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ScenarioIn(_Strict):
    """A new scenario."""

    name: str = Field(min_length=1, max_length=200)
    yaml: str = Field(min_length=1, max_length=MAX_YAML_CHARS, description="The scenario file (YAML).")


class ScenarioUpdate(_Strict):
    """A new version of a scenario, based on the version the client edited."""

    yaml: str = Field(min_length=1, max_length=MAX_YAML_CHARS)
    base_version: int = Field(ge=1, le=2**31 - 1, description="The version this edit starts from.")
    name: str | None = Field(default=None, min_length=1, max_length=200)


class ScenarioRef(BaseModel):
    """Id and version of a saved scenario."""

    id: str
    version: int


class RunRequest(_Strict):
    """Which version to plan (the current one when omitted)."""

    version: int | None = Field(default=None, ge=1, le=2**31 - 1)


class RunRef(BaseModel):
    """The id of a queued plan run."""

    run_id: str


class Problem(BaseModel):
    """One problem in a scenario, located in the YAML text."""

    field: str
    message: str
    value: str | None = None
    fix: str | None = None
    line: int | None = None
    column: int | None = None


class InvalidScenario(BaseModel):
    """The scenario is invalid: every problem found."""

    detail: str
    problems: list[Problem]


class Message(BaseModel):
    """An error message."""

    detail: str


class StaleVersionOut(BaseModel):
    """A save based on a stale version: what changed since."""

    detail: str
    current_version: int
    changes: list[dict[str, Any]]
    diff: str


class RunOut(BaseModel):
    """A plan run: state, progress [0..1] and, once succeeded, the plan (JSON contract)."""

    run_id: str
    scenario_id: str
    scenario_version: int
    status: Literal["queued", "running", "succeeded", "failed"]
    progress: float
    message: str
    created_at: str
    finished_at: str | None
    error: str | None = None
    result: dict[str, Any] | None = None


class UserRef(_Strict):
    """A user of the caller's organisation, by e-mail."""

    email: str = Field(min_length=3, max_length=320)


class NewToken(BaseModel):
    """A new API token: shown once, stored only as a hash; the previous tokens no longer work."""

    token: str


class Revoked(BaseModel):
    """How many live tokens were revoked."""

    revoked: int


class Me(BaseModel):
    """The caller."""

    email: str
    role: str
    organization: str


_AUTH_ERRORS: dict[int | str, dict[str, Any]] = {
    401: {"model": Message, "description": "Missing or unknown token."},
    413: {"model": Message, "description": "Request body too large."},
}
_NOT_FOUND: dict[int | str, dict[str, Any]] = {
    404: {"model": Message, "description": "Not found in your organisation."}
}
_WRITE: dict[int | str, dict[str, Any]] = {
    403: {"model": Message, "description": "Your role cannot do this."}
}

router = APIRouter(prefix="/api/v1", tags=["api"], responses=_AUTH_ERRORS)


# ------------------------------------------------------------------------------------ dependencies
async def services(request: Request) -> Services:
    """The application's services."""
    svc: Services = request.app.state.services
    return svc


async def session(svc: Annotated[Services, Depends(services)]) -> AsyncIterator[Session]:
    """A database session for one request.

    Async on purpose: opening a session does no I/O (a connection is taken on first use, in the
    handler's thread) and closing one returns the connection to the pool, so running these on the event
    loop saves two thread hand-offs per request.
    """
    with svc.sessions() as s:
        yield s


async def actor(
    s: Annotated[Session, Depends(session)],
    creds: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
) -> store.Actor:
    """The caller, from ``Authorization: Bearer TOKEN``; 401 otherwise.

    Runs on the event loop: the lookup is one select on a unique index (tens of microseconds on
    SQLite), cheaper than handing the request to a worker thread and back.
    """
    if creds is None or creds.scheme.lower() != "bearer" or not creds.credentials:
        raise HTTPException(401, "missing API token", headers={"WWW-Authenticate": "Bearer"})
    who = store.actor_by_token(s, creds.credentials)
    if who is None:
        raise HTTPException(401, "unknown API token", headers={"WWW-Authenticate": "Bearer"})
    return who


Db = Annotated[Session, Depends(session)]
Caller = Annotated[store.Actor, Depends(actor)]
Svc = Annotated[Services, Depends(services)]


class InvalidScenarioError(Exception):
    """The scenario failed validation; answered 422 with every problem (see :class:`InvalidScenario`)."""

    def __init__(self, problems: list[Any]) -> None:
        self.problems = [p.to_dict() for p in problems]
        super().__init__("invalid scenario")


def _invalid(problems: list[Any]) -> InvalidScenarioError:
    return InvalidScenarioError(problems)


# ---------------------------------------------------------------------------------------- endpoints
@router.get("/me", response_model=Me)
def me(s: Db, who: Caller) -> Me:
    """Who the token belongs to."""
    return Me(email=who.email, role=who.role, organization=store.org_name(s, who.org_id))


@router.get("/scenarios", response_model=list[dict[str, Any]])
async def list_scenarios(
    s: Db,
    who: Caller,
    limit: Annotated[int, Query(ge=1, le=500)] = 200,
    offset: Annotated[int, Query(ge=0, le=2**31 - 1)] = 0,
) -> Response:
    """The organisation's scenarios, most recently changed first."""
    return _json(store.list_scenarios(s, who, limit, offset))


@router.post(
    "/scenarios",
    status_code=201,
    response_model=ScenarioRef,
    responses={**_WRITE, 422: {"model": InvalidScenario, "description": "The scenario is invalid."}},
)
def create_scenario(body: ScenarioIn, s: Db, who: Caller, svc: Svc) -> ScenarioRef:
    """Save a new scenario (version 1), validated as strictly as the CLI does."""
    who.require_write()
    problems = svc.planner.validate(body.yaml)
    if problems:
        raise _invalid(problems)
    with store.transaction(s):
        sc = store.create_scenario(s, who, body.name, body.yaml)
    return ScenarioRef(id=sc.id, version=1)


@router.get("/scenarios/{scenario_id}", responses=_NOT_FOUND)
def get_scenario(
    scenario_id: ScenarioId,
    s: Db,
    who: Caller,
    version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None,
) -> dict[str, Any]:
    """A scenario: one version's YAML (the current one by default) and the version history."""
    return store.get_scenario(s, who, scenario_id, version)


@router.put(
    "/scenarios/{scenario_id}",
    response_model=ScenarioRef,
    responses={
        **_NOT_FOUND,
        **_WRITE,
        409: {"model": StaleVersionOut, "description": "The base version is stale."},
        422: {"model": InvalidScenario, "description": "The scenario is invalid."},
    },
)
def update_scenario(
    scenario_id: ScenarioId, body: ScenarioUpdate, s: Db, who: Caller, svc: Svc
) -> ScenarioRef:
    """Save a new immutable version on top of ``base_version``; 409 with what changed when it is stale."""
    who.require_write()
    store.get_scenario(s, who, scenario_id)  # 404 before validation work
    problems = svc.planner.validate(body.yaml)
    if problems:
        raise _invalid(problems)
    with store.transaction(s):
        sc = store.save_version(s, who, scenario_id, body.base_version, body.name, body.yaml)
    return ScenarioRef(id=sc.id, version=sc.current_version)


@router.get("/scenarios/{scenario_id}/plans", responses=_NOT_FOUND)
def list_scenario_runs(scenario_id: ScenarioId, s: Db, who: Caller) -> list[dict[str, Any]]:
    """Plan runs of one scenario, newest first (without results)."""
    return store.list_runs(s, who, scenario_id)


@router.post(
    "/scenarios/{scenario_id}/plans",
    status_code=202,
    response_model=RunRef,
    responses={**_NOT_FOUND, **_WRITE, 429: {"model": Message, "description": "Too many runs queued."}},
)
def run_plan(scenario_id: ScenarioId, s: Db, who: Caller, svc: Svc, body: RunRequest | None = None) -> RunRef:
    """Queue a plan run of a scenario version; poll ``GET /plans/{run_id}``."""
    with store.transaction(s):
        run = store.create_run(
            s, who, scenario_id, body.version if body else None, lease_owner=svc.pool.owner
        )
    svc.pool.submit(run.id)
    return RunRef(run_id=run.id)


@router.get("/plans")
def list_runs(s: Db, who: Caller, limit: Annotated[int, Query(ge=1, le=500)] = 50) -> list[dict[str, Any]]:
    """Recent plan runs of the organisation, newest first (without results)."""
    return store.list_runs(s, who, None, limit)


@router.get("/plans/{run_id}", response_model=RunOut, responses=_NOT_FOUND)
async def get_run(run_id: RunId, s: Db, who: Caller, request: Request) -> Response:
    """A plan run: ``status``, ``progress`` and, once succeeded, ``result`` (the plan JSON).

    A succeeded run's answer is stored pre-serialised and gzip-compressed: it is sent as is to clients
    that accept gzip, and decompressed for the others. Runs on the event loop (one indexed select,
    no JSON work): see :data:`INLINE_READS`.
    """
    body, compressed = store.run_answer(s, who, run_id)
    if not compressed:
        return Response(body, media_type="application/json")
    if _accepts_gzip(request):
        return Response(
            body,
            media_type="application/json",
            headers={"content-encoding": "gzip", "vary": "accept-encoding"},
        )
    return Response(gzip.decompress(body), media_type="application/json", headers={"vary": "accept-encoding"})


def _accepts_gzip(request: Request) -> bool:
    """True when the ``Accept-Encoding`` header lists gzip (without ``q=0``)."""
    for part in request.headers.get("accept-encoding", "").lower().split(","):
        name, _, params = part.partition(";")
        if name.strip() in ("gzip", "*") and params.replace(" ", "") not in ("q=0", "q=0.0", "q=0.00"):
            return True
    return False


def _json(data: Any) -> Response:
    """A compact JSON response, serialised directly (no per-request model validation)."""
    return Response(json.dumps(data, separators=(",", ":")), media_type="application/json")


@router.post(
    "/plans/{run_id}/rerun",
    status_code=202,
    response_model=RunRef,
    responses={**_NOT_FOUND, **_WRITE, 429: {"model": Message, "description": "Too many runs queued."}},
)
def rerun(run_id: RunId, s: Db, who: Caller, svc: Svc) -> RunRef:
    """Run the same scenario version again (for example after a failed or interrupted run)."""
    with store.transaction(s):
        old = store.get_run(s, who, run_id)
        run = store.create_run(s, who, old.scenario_id, old.scenario_version, lease_owner=svc.pool.owner)
    svc.pool.submit(run.id)
    return RunRef(run_id=run.id)


@router.get(
    "/plans/{run_id}/export/{fmt}",
    responses={
        **_NOT_FOUND,
        409: {"model": Message, "description": "The run has not succeeded."},
        200: {
            "content": {
                "application/json": {},
                "text/html": {},
                "text/markdown": {},
                exports.XLSX_MEDIA_TYPE: {},
            },
            "description": "The report file.",
        },
    },
)
def export_plan(run_id: RunId, fmt: Literal["json", "html", "md", "xlsx"], s: Db, who: Caller) -> Response:
    """Download a plan as JSON, HTML (self-contained), Markdown or an XLSX workbook."""
    return exports.export_response(s, who, run_id, fmt)


@router.get("/catalogs")
def list_catalogs(who: Caller) -> dict[str, Any]:
    """Names of the catalogue tables and the catalogue version."""
    return {"catalog_version": CATALOG_VERSION, "catalogs": sorted(catalogs())}


@router.get("/catalogs/{name}", responses=_NOT_FOUND)
def get_catalog(name: Annotated[str, Path(max_length=64)], who: Caller) -> dict[str, Any]:
    """One catalogue table: rows with their sources."""
    tables = catalogs()
    if name not in tables:
        raise HTTPException(404, f"no catalogue {name!r}; use one of {', '.join(sorted(tables))}")
    return {"catalog_version": CATALOG_VERSION, "name": name, "rows": tables[name]()}


@router.post("/tokens/rotate", response_model=NewToken)
def rotate_own_token(s: Db, who: Caller) -> NewToken:
    """Replace the caller's API token: every token they had is revoked and a new one returned (once)."""
    with store.transaction(s):
        token = store.rotate_token(s, who.email, actor=who)
    return NewToken(token=token)


@router.post("/admin/revoke-tokens", response_model=Revoked, responses={**_WRITE, **_NOT_FOUND})
def revoke_tokens(body: UserRef, s: Db, who: Caller) -> Revoked:
    """Revoke every API token of a user of your organisation (admins only); they stop working at once."""
    with store.transaction(s):
        count = store.revoke_tokens(s, body.email, actor=who)
    return Revoked(revoked=count)


@router.get("/audit", responses=_WRITE)
def audit_log(s: Db, who: Caller, limit: Annotated[int, Query(ge=1, le=1000)] = 200) -> list[dict[str, Any]]:
    """The organisation's audit log, newest first (admins only)."""
    return store.list_audit(s, who, limit)
