"""Shared helpers of the service tests: a fake planner with a hand-made plan, apps, users, clients."""

from __future__ import annotations

import asyncio
import atexit
import copy
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import yaml
from argon2 import PasswordHasher

from stackplan.errors import InputError, InputProblem
from stackplan.service import security
from stackplan.service.app import create_app
from stackplan.service.db import make_engine, migrate
from stackplan.service.planning import ScenarioProblem, locate

#: A scenario the fake planner accepts.
GOOD_YAML = """\
schema_version: 1
organization:
  name: Test Org
  start_year: 2026
  horizon_years: 2
workloads:
  inference:
    - name: chat
"""

#: A hand-made plan in the JSON contract's shape (issue 4); every number chosen by hand:
#: cloud_first 2026: 0 + 100 + 10 = 110, 2027: 0 + 120 + 10 = 130 -> TCO 240.
#: on_prem 2026: 500 + 20 + 30 = 550, 2027: 0 + 25 + 30 = 55 -> TCO 605.
SAMPLE_PLAN: dict[str, Any] = {
    "stackplan_version": "test",
    "catalog_version": "2026.11.26",
    "scenario": {"organization": {"name": "Test Org"}, "assumptions": {"pue": 1.3}},
    "components": {
        "compute": {"accelerator": "h100-sxm", "accelerators": 16},
        "data": {"capacity_tb": 40},
        "networking": {"fabric": "400G"},
        "platform": {"control_plane_nodes": 3},
        "ecosystem": {"api_share": 0.25},
        "governance": {"staff_fte": 1},
    },
    "deployments": [
        {
            "model": "cloud_first",
            "cash_flows": [
                {
                    "year": 2026,
                    "capex_usd": 0,
                    "opex_usd": 100,
                    "hidden_usd": 10,
                    "lines": {"cloud fees": 100, "people": 10},
                },
                {
                    "year": 2027,
                    "capex_usd": 0,
                    "opex_usd": 120,
                    "hidden_usd": 10,
                    "lines": {"cloud fees": 120, "people": 10},
                },
            ],
            "tco_usd": 240,
            "npv_cost_usd": 230,
            "value_usd": 1000,
            "npv_usd": 700,
            "roi": 3.1667,
            "payback_years": 0.3,
            "energy_mwh": 5,
            "emissions_tco2e": {"location_based": 2, "market_based": 1, "embodied": 0},
            "water_m3": 7,
            "unit_costs": {
                "usd_per_accelerator_hour": 4.0,
                "services": [
                    {
                        "name": "chat",
                        "usd_per_million_input_tokens": 0.5,
                        "usd_per_million_output_tokens": 2.0,
                        "api_usd_per_million_input_tokens": 3.0,
                        "api_usd_per_million_output_tokens": 15.0,
                        "usd_per_million_tokens_blended": 0.8,
                        "api_usd_per_million_tokens_blended": 5.0,
                    }
                ],
            },
        },
        {
            "model": "on_prem",
            "cash_flows": [
                {
                    "year": 2026,
                    "capex_usd": 500,
                    "opex_usd": 20,
                    "hidden_usd": 30,
                    "lines": {"servers": 500, "power": 20, "people": 30},
                },
                {
                    "year": 2027,
                    "capex_usd": 0,
                    "opex_usd": 25,
                    "hidden_usd": 30,
                    "lines": {"power": 25, "people": 30},
                },
            ],
            "tco_usd": 605,
            "npv_cost_usd": 590,
            "value_usd": 1000,
            "npv_usd": 360,
            "roi": 0.6529,
            "payback_years": 1.2,
            "energy_mwh": 9,
            "emissions_tco2e": {"location_based": 4, "market_based": 3, "embodied": 1},
            "water_m3": 11,
            "unit_costs": {"usd_per_accelerator_hour": 2.5, "services": []},
        },
    ],
    "recommendation": {
        "deployment": "cloud_first",
        "reasons": [{"kind": "cost", "text": "lowest NPV of cost: 230 vs 590 USD", "figures": {}}],
    },
    "governance": {
        "findings": [{"severity": "high", "title": "restricted data outside the EU", "fix": "pin eu-west"}]
    },
    "roadmap": {"phases": [{"name": "pilot", "start_year": 2026, "end_year": 2026.5}]},
}


#: Top-level sections of a scenario file (issue 4).
SECTIONS = (
    "schema_version",
    "organization",
    "goals",
    "workloads",
    "data",
    "people",
    "deployment",
    "assumptions",
)


class FakePlanner:
    """A planner for tests: YAML syntax and two required keys; runs return :data:`SAMPLE_PLAN`.

    A scenario with ``fail: true`` raises an input error at run time; ``block: true`` waits for
    :attr:`release` (so a test can catch a run while it is running).
    """

    def __init__(self) -> None:
        import threading

        self.release = threading.Event()
        self.runs = 0

    def validate(self, yaml_text: str) -> list[ScenarioProblem]:
        try:
            data = yaml.safe_load(yaml_text)
        except yaml.YAMLError as err:
            mark = getattr(err, "problem_mark", None)
            return [
                ScenarioProblem(
                    "(yaml)", "YAML syntax error", None, "fix it", mark.line + 1 if mark else None
                )
            ]
        if not isinstance(data, dict):
            return [ScenarioProblem("(document)", "not a mapping", None, "use a mapping", 1, 1)]
        problems = []
        for key in ("organization", "workloads"):
            if key not in data:
                problems.append(ScenarioProblem(key, "missing section", None, f"add {key}"))
        for key in data:
            if key not in (*SECTIONS, "fail", "block"):
                where = locate(yaml_text, str(key))
                problems.append(
                    ScenarioProblem(
                        str(key), "unknown section", str(key), "remove it", *(where or (None, None))
                    )
                )
        return problems

    def run(self, yaml_text: str, progress: Callable[[float, str], None]) -> dict[str, Any]:
        self.runs += 1
        data = yaml.safe_load(yaml_text)
        progress(0.5, "half way")
        if data.get("block"):
            self.release.wait(10)
        if data.get("fail"):
            raise InputError(InputProblem("workloads", "cannot be served", None, "allow a region"))
        plan = copy.deepcopy(SAMPLE_PLAN)
        plan["scenario"] = data
        return plan


@dataclass
class Org:
    """An organisation with one user per role: {role: (email, token)}."""

    name: str
    users: dict[str, tuple[str, str]]

    def headers(self, role: str = "editor") -> dict[str, str]:
        return {"Authorization": f"Bearer {self.users[role][1]}"}


PASSWORD = "correct horse battery staple"


def make_org(app: Any, name: str) -> Org:
    """Create an organisation with a viewer, an editor (password set) and an admin (no password yet)."""
    from stackplan.service import store

    users = {}
    with app.state.services.sessions.begin() as s:
        store.create_org(s, name)
        for role in ("viewer", "editor", "admin"):
            email = f"{role}@{name.lower()}.example"
            _user, token = store.create_user(s, name, email, role, PASSWORD if role != "admin" else None)
            users[role] = (email, token)
    return Org(name, users)


# Tests hash passwords with a cheap argon2 setting (the service keeps the library defaults).
security._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)

_TEMPLATE: list[Path] = []


def _migrated_template() -> Path:
    """A migrated empty SQLite database, made once per test session and copied for each app."""
    if not _TEMPLATE:
        folder = Path(tempfile.mkdtemp(prefix="stackplan-db-"))
        atexit.register(shutil.rmtree, folder, ignore_errors=True)
        path = folder / "template.db"
        engine = make_engine(f"sqlite:///{path}")
        migrate(engine)
        with engine.connect() as conn:
            conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        engine.dispose()
        _TEMPLATE.append(path)
    return _TEMPLATE[0]


def new_app(tmp_path: Path, planner: Any = None, url: str | None = None) -> Any:
    """An app on a fresh SQLite file (or ``url``) with the fake planner."""
    if url is None:
        db = tmp_path / "service.db"
        if not db.exists():
            shutil.copy(_migrated_template(), db)
        url = f"sqlite:///{db}"
    return create_app(url, planner=planner or FakePlanner())


class Client:
    """A synchronous facade over ``httpx.AsyncClient`` + ``ASGITransport`` (in-process, no sockets)."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self._loop = asyncio.new_event_loop()
        self._client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://testserver")

    def request(self, method: str, url: str, **kw: Any) -> httpx.Response:
        return self._loop.run_until_complete(self._client.request(method, url, **kw))

    def get(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("GET", url, **kw)

    def post(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("POST", url, **kw)

    def put(self, url: str, **kw: Any) -> httpx.Response:
        return self.request("PUT", url, **kw)

    @property
    def cookies(self) -> httpx.Cookies:
        return self._client.cookies

    def close(self) -> None:
        self._loop.run_until_complete(self._client.aclose())
        self._loop.close()
        self.app.state.services.pool.shutdown()
        self.app.state.services.engine.dispose()


def lapse_leases(app: Any) -> None:
    """Make the leases of every live run lapse, as if their process had stopped renewing them."""
    from datetime import timedelta

    from sqlalchemy import update

    from stackplan.service.db import PlanRun, utcnow
    from stackplan.service.store import LEASE_TTL_S

    with app.state.services.sessions.begin() as s:
        s.execute(update(PlanRun).values(lease_heartbeat_at=utcnow() - timedelta(seconds=2 * LEASE_TTL_S)))


def wait_run(client: Client, run_id: str, headers: dict[str, str]) -> dict[str, Any]:
    """Wait for a run to finish and return its API view."""
    client.app.state.services.pool.wait_idle(20)
    body: dict[str, Any] = client.get(f"/api/v1/plans/{run_id}", headers=headers).json()
    return body


def csrf_of(html: str) -> str:
    """The CSRF token in a rendered page."""
    import re

    m = re.search(r'name="csrf_token" value="([0-9a-f]+)"', html)
    assert m, "no CSRF token in page"
    return m.group(1)


def sign_in(client: Client, email: str, password: str = PASSWORD, token: str = "") -> httpx.Response:
    """Sign in through the web form (CSRF included); returns the POST response."""
    page = client.get("/login")
    return client.post(
        "/login",
        data={
            "email": email,
            "password": password,
            "token": token,
            "csrf_token": csrf_of(page.text),
            "next": "/scenarios",
        },
    )


class LiveServer:
    """The app served by uvicorn on a free loopback port in a background thread."""

    def __init__(self, app: Any) -> None:
        import socket
        import threading

        import uvicorn

        sock = socket.socket()
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        sock.close()
        self.app = app
        self.server = uvicorn.Server(
            uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self.thread = threading.Thread(target=self.server.run, daemon=True)
        self.thread.start()
        import time

        deadline = time.monotonic() + 20
        while not self.server.started and time.monotonic() < deadline:
            time.sleep(0.05)
        assert self.server.started, "uvicorn did not start"
        self.url = f"http://127.0.0.1:{self.port}"

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(10)


#: Chromium flags for a headless run with no network but loopback.
CHROMIUM_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-default-apps",
    "--disable-sync",
    "--no-first-run",
    "--metrics-recording-only",
    "--mute-audio",
]
CHROMIUM = "/usr/bin/chromium"
