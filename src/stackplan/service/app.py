"""The FastAPI application: wiring of database, planner, job pool, API, web pages and middleware."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Awaitable, Callable, MutableMapping
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from stackplan import __version__
from stackplan.service import store
from stackplan.service.db import default_database_url, make_engine, make_sessionmaker, migrate
from stackplan.service.jobs import DEFAULT_WORKERS, JobPool, QueueFullError
from stackplan.service.planning import DefaultPlanner, Planner
from stackplan.service.ratelimit import SignInThrottle
from stackplan.service.security import SessionSigner

__all__ = ["MAX_BODY_BYTES", "Services", "create_app", "prepare_database"]

#: Largest request body accepted [B] (1 MiB: a scenario file is a few KiB); larger answers 413.
MAX_BODY_BYTES = 1024 * 1024

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]


@dataclass
class Services:
    """What request handlers need, kept on ``app.state.services``."""

    engine: Engine
    sessions: sessionmaker[Session]
    signer: SessionSigner
    pool: JobPool
    planner: Planner
    database_url: str
    interrupted_runs: int
    throttle: SignInThrottle = field(default_factory=SignInThrottle)


class BodyLimit:
    """ASGI middleware: refuse request bodies over ``limit`` bytes with 413 (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length" and value.isdigit() and int(value) > self.limit:
                await _too_large(scope, receive, send, self.limit)
                return
        seen = 0

        async def limited() -> Message:
            nonlocal seen
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.limit:
                    raise _BodyTooLargeError
            return message

        try:
            await self.app(scope, limited, send)
        except _BodyTooLargeError:
            await _too_large(scope, receive, send, self.limit)


class _BodyTooLargeError(Exception):
    pass


async def _too_large(scope: Scope, receive: Receive, send: Send, limit: int) -> None:
    response = JSONResponse({"detail": f"request body over {limit} bytes"}, status_code=413)
    await response(scope, receive, send)


#: Security headers on every response. Scripts and styles come only from the service itself
#: (plotly sets inline styles on its SVG, hence 'unsafe-inline' for styles only).
SECURITY_HEADERS = {
    "content-security-policy": (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
        "font-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    ),
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


class SecurityHeaders:
    """ASGI middleware adding :data:`SECURITY_HEADERS` to every HTTP response."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                for k, v in SECURITY_HEADERS.items():
                    if k.encode() not in present:
                        headers.append((k.encode(), v.encode()))
                message["headers"] = headers
            await send(message)

        await self.app(scope, receive, with_headers)


def prepare_database(engine: Engine) -> tuple[str, int]:
    """Migrate, create or read the session signing key, fail runs whose lease lapsed.

    Returns (session key, interrupted runs). Safe to call from several processes at once once the
    database is migrated (``stackplan serve --processes N`` calls it in the parent first). The key read
    and the update are separate transactions: a transaction that starts with its write waits for the
    lock instead of failing on a stale snapshot (SQLite).
    """
    migrate(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        key = store.get_or_create_setting(s, "session_key", lambda: secrets.token_urlsafe(48))
    with sessions.begin() as s:
        interrupted = store.fail_interrupted_runs(s)
    return key, interrupted


def open_services(database_url: str | None, planner: Planner | None, workers: int) -> Services:
    """Connect, prepare the database (:func:`prepare_database`), start the pool."""
    url = database_url or default_database_url()
    engine = make_engine(url)
    key, interrupted = prepare_database(engine)
    sessions = make_sessionmaker(engine)
    chosen = planner or DefaultPlanner()
    return Services(
        engine=engine,
        sessions=sessions,
        signer=SessionSigner(key),
        pool=JobPool(sessions, chosen, workers),
        planner=chosen,
        database_url=url,
        interrupted_runs=interrupted,
    )


def create_app(
    database_url: str | None = None, *, planner: Planner | None = None, workers: int = DEFAULT_WORKERS
) -> FastAPI:
    """Build the application. ``planner`` replaces the planning engine (tests pass a fake)."""
    from stackplan.service import api, web

    services = open_services(database_url, planner, workers)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        yield
        services.pool.shutdown()
        services.engine.dispose()

    app = FastAPI(
        title="Stackplan",
        version=__version__,
        summary="Plan AI infrastructure: saved scenarios, plan runs, reports and catalogues.",
        openapi_url="/openapi.json",
        docs_url=None,  # Swagger UI would load from a CDN: the service stays offline
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.services = services
    app.include_router(api.router)
    web.install(app)

    @app.exception_handler(store.StaleVersionError)
    async def _stale(_r: Request, exc: store.StaleVersionError) -> JSONResponse:
        body = {k: v for k, v in exc.detail.items() if k != "message"}
        return JSONResponse({"detail": exc.detail["message"], **body}, status_code=409)

    @app.exception_handler(api.InvalidScenarioError)
    async def _invalid(_r: Request, exc: api.InvalidScenarioError) -> JSONResponse:
        return JSONResponse({"detail": "invalid scenario", "problems": exc.problems}, status_code=422)

    @app.exception_handler(QueueFullError)
    async def _busy(_r: Request, exc: QueueFullError) -> JSONResponse:
        return JSONResponse({"detail": str(exc)}, status_code=429, headers={"retry-after": "60"})

    app.add_middleware(SecurityHeaders)
    app.add_middleware(BodyLimit)
    return app
