"""The fast read paths: pre-serialised plan answers (gzip when accepted) and the scenario list (issue 7)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from stackplan.service.api import _accepts_gzip
from tests.e2e.service_support import (
    GOOD_YAML,
    SAMPLE_PLAN,
    Client,
    FakePlanner,
    Org,
    make_org,
    new_app,
    wait_run,
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Client, Org]]:
    app = new_app(tmp_path, FakePlanner())
    org = make_org(app, "Acme")
    client = Client(app)
    yield client, org
    client.close()


def _run(client: Client, org: Org) -> tuple[str, str]:
    sid = client.post(
        "/api/v1/scenarios", json={"name": "s", "yaml": GOOD_YAML}, headers=org.headers()
    ).json()["id"]
    run_id = client.post(f"/api/v1/scenarios/{sid}/plans", headers=org.headers()).json()["run_id"]
    assert wait_run(client, run_id, org.headers())["status"] == "succeeded"
    return sid, run_id


def test_plan_answer_is_served_compressed_or_plain(env: tuple[Client, Org]) -> None:
    client, org = env
    sid, run_id = _run(client, org)
    url = f"/api/v1/plans/{run_id}"
    zipped = client.get(url, headers={**org.headers(), "accept-encoding": "gzip"})
    assert zipped.headers["content-encoding"] == "gzip"
    plain = client.get(url, headers={**org.headers(), "accept-encoding": "identity"})
    assert "content-encoding" not in plain.headers
    assert json.loads(plain.content) == zipped.json()  # httpx decompressed the first one
    view = plain.json()
    assert view["run_id"] == run_id
    assert view["scenario_id"] == sid
    assert view["status"] == "succeeded"
    assert view["progress"] == 1.0
    assert view["error"] is None
    # the fake planner's hand-made plan comes back unchanged: cloud_first TCO 240 USD
    assert view["result"]["deployments"][0]["tco_usd"] == SAMPLE_PLAN["deployments"][0]["tco_usd"] == 240


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        ("gzip, deflate", True),
        ("br;q=1.0, gzip;q=0.5", True),
        ("*", True),
        ("identity", False),
        ("gzip;q=0", False),
        ("", False),
    ],
)
def test_accepts_gzip(header: str, expected: bool) -> None:
    from starlette.requests import Request

    request = Request({"type": "http", "headers": [(b"accept-encoding", header.encode())]})
    assert _accepts_gzip(request) is expected


def test_scenario_list_shows_latest_run(env: tuple[Client, Org]) -> None:
    client, org = env
    sid, _run_id = _run(client, org)
    second = client.post(f"/api/v1/scenarios/{sid}/plans", headers=org.headers()).json()["run_id"]
    wait_run(client, second, org.headers())
    other = client.post(
        "/api/v1/scenarios", json={"name": "t", "yaml": GOOD_YAML}, headers=org.headers()
    ).json()
    listed = {s["id"]: s for s in client.get("/api/v1/scenarios", headers=org.headers()).json()}
    assert listed[sid]["latest_run"]["run_id"] == second
    assert listed[sid]["created_by"] == org.users["editor"][0]
    assert listed[other["id"]]["latest_run"] is None
