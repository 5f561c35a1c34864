"""In-process tests of the REST API (httpx + ASGI transport) with a fake planner."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from tests.e2e.service_support import (
    GOOD_YAML,
    Client,
    FakePlanner,
    Org,
    lapse_leases,
    make_org,
    new_app,
    wait_run,
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Client, Org, FakePlanner]]:
    planner = FakePlanner()
    app = new_app(tmp_path, planner)
    org = make_org(app, "Acme")
    client = Client(app)
    yield client, org, planner
    planner.release.set()
    client.close()


def _create(client: Client, org: Org, yaml_text: str = GOOD_YAML, name: str = "base") -> str:
    r = client.post("/api/v1/scenarios", json={"name": name, "yaml": yaml_text}, headers=org.headers())
    assert r.status_code == 201, r.text
    assert r.json()["version"] == 1
    sid: str = r.json()["id"]
    return sid


def test_auth_is_required(env: tuple[Client, Org, FakePlanner]) -> None:
    client, _org, _ = env
    assert client.get("/api/v1/scenarios").status_code == 401
    r = client.get("/api/v1/scenarios", headers={"Authorization": "Bearer sp_not-a-token"})
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_me(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    assert client.get("/api/v1/me", headers=org.headers("viewer")).json() == {
        "email": "viewer@acme.example",
        "role": "viewer",
        "organization": "Acme",
    }


def test_create_list_get(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    sid = _create(client, org)
    listed = client.get("/api/v1/scenarios", headers=org.headers("viewer")).json()
    assert [s["id"] for s in listed] == [sid]
    got = client.get(f"/api/v1/scenarios/{sid}", headers=org.headers("viewer")).json()
    assert got["yaml"] == GOOD_YAML
    assert got["version"] == 1
    assert [v["version"] for v in got["versions"]] == [1]


def test_invalid_scenario_lists_every_problem_with_its_line(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    text = "organization:\n  name: x\nworklods:\n  - 1\nextra: 2\n"
    r = client.post("/api/v1/scenarios", json={"name": "bad", "yaml": text}, headers=org.headers())
    assert r.status_code == 422
    problems = {p["field"]: p for p in r.json()["problems"]}
    assert problems["worklods"]["line"] == 3  # hand-counted in `text`
    assert problems["extra"]["line"] == 5
    assert "workloads" in problems
    assert client.get("/api/v1/scenarios", headers=org.headers()).json() == []  # nothing saved


def test_yaml_syntax_error_line(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    r = client.post(
        "/api/v1/scenarios", json={"name": "bad", "yaml": "a: 1\nb: [1, 2\nc: 3\n"}, headers=org.headers()
    )
    assert r.status_code == 422
    assert r.json()["problems"][0]["line"] in (
        3,
        4,
    )  # the parser notices the open bracket on line 3 or at the end


def test_each_save_is_a_new_version_and_stale_saves_conflict(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    sid = _create(client, org)
    v2 = GOOD_YAML.replace("horizon_years: 2", "horizon_years: 3")
    r = client.put(f"/api/v1/scenarios/{sid}", json={"yaml": v2, "base_version": 1}, headers=org.headers())
    assert r.json() == {"id": sid, "version": 2}
    # a second editor still on version 1
    v2b = GOOD_YAML.replace("start_year: 2026", "start_year: 2027")
    r = client.put(
        f"/api/v1/scenarios/{sid}", json={"yaml": v2b, "base_version": 1}, headers=org.headers("admin")
    )
    assert r.status_code == 409
    body = r.json()
    assert body["current_version"] == 2
    assert [c["version"] for c in body["changes"]] == [2]
    assert body["changes"][0]["by"] == "editor@acme.example"
    assert "-  horizon_years: 2" in body["diff"]
    assert "+  horizon_years: 3" in body["diff"]
    # version 1 is unchanged, version 2 is current
    assert client.get(f"/api/v1/scenarios/{sid}?version=1", headers=org.headers()).json()["yaml"] == GOOD_YAML
    assert client.get(f"/api/v1/scenarios/{sid}", headers=org.headers()).json()["yaml"] == v2


def test_run_plan_and_exports(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    sid = _create(client, org, GOOD_YAML + "assumptions:\n  pue: 1.3\n")
    r = client.post(f"/api/v1/scenarios/{sid}/plans", headers=org.headers())
    assert r.status_code == 202
    run_id = r.json()["run_id"]
    view = wait_run(client, run_id, org.headers("viewer"))
    assert view["status"] == "succeeded"
    assert view["progress"] == 1.0
    assert view["result"]["deployments"][0]["tco_usd"] == 240
    assert view["result"]["scenario"]["organization"]["name"] == "Test Org"

    r = client.get(f"/api/v1/plans/{run_id}/export/json", headers=org.headers("viewer"))
    assert r.status_code == 200
    assert r.json()["recommendation"]["deployment"] == "cloud_first"
    r = client.get(f"/api/v1/plans/{run_id}/export/html", headers=org.headers("viewer"))
    assert r.headers["content-type"].startswith("text/html")
    assert "<script src=" not in r.text
    assert "http://" not in r.text
    assert "https://" not in r.text
    assert "Cloud-first" in r.text
    r = client.get(f"/api/v1/plans/{run_id}/export/md", headers=org.headers("viewer"))
    assert "| Total cost of ownership | $240 | $605 |" in r.text
    r = client.get(f"/api/v1/plans/{run_id}/export/xlsx", headers=org.headers("viewer"))
    assert r.headers["content-disposition"].endswith('.xlsx"')
    wb = load_workbook(io.BytesIO(r.content))
    assert {
        "Summary",
        "Cash flows",
        "Line items",
        "Unit costs",
        "Components",
        "Assumptions",
        "Governance",
        "Roadmap",
    } <= set(wb.sheetnames)
    cf = wb["Cash flows"]
    assert [c.value for c in cf[2]] == ["cloud_first", 2026, 0, 100, 10, "=SUM(C2:E2)"]
    assert [c.value for c in cf[5]][:5] == ["on_prem", 2027, 0, 25, 30]
    lines = [tuple(c.value for c in row) for row in wb["Line items"].iter_rows(min_row=2)]
    assert ("on_prem", 2026, "servers", 500) in lines
    assert len(lines) == 9  # 2 + 2 + 3 + 2 hand-counted line items
    asm = [tuple(c.value for c in row) for row in wb["Assumptions"].iter_rows(min_row=2)]
    assert ("pue", 1.3, None, "scenario override") in asm


def test_failed_run_records_the_reason_and_can_be_rerun(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, planner = env
    sid = _create(client, org, GOOD_YAML + "fail: true\n")
    run_id = client.post(f"/api/v1/scenarios/{sid}/plans", headers=org.headers()).json()["run_id"]
    view = wait_run(client, run_id, org.headers())
    assert view["status"] == "failed"
    assert "cannot be served" in view["error"]
    assert client.get(f"/api/v1/plans/{run_id}/export/json", headers=org.headers()).status_code == 409
    r = client.post(f"/api/v1/plans/{run_id}/rerun", headers=org.headers())
    assert r.status_code == 202
    assert r.json()["run_id"] != run_id
    wait_run(client, r.json()["run_id"], org.headers())
    assert planner.runs == 2


def test_viewer_cannot_write_or_run(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    sid = _create(client, org)
    h = org.headers("viewer")
    assert (
        client.post("/api/v1/scenarios", json={"name": "x", "yaml": GOOD_YAML}, headers=h).status_code == 403
    )
    assert (
        client.put(
            f"/api/v1/scenarios/{sid}", json={"yaml": GOOD_YAML, "base_version": 1}, headers=h
        ).status_code
        == 403
    )
    assert client.post(f"/api/v1/scenarios/{sid}/plans", headers=h).status_code == 403
    assert client.get("/api/v1/audit", headers=h).status_code == 403
    assert client.get("/api/v1/audit", headers=org.headers("editor")).status_code == 403


def test_audit_log_records_who_did_what(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    sid = _create(client, org)
    run_id = client.post(f"/api/v1/scenarios/{sid}/plans", headers=org.headers()).json()["run_id"]
    wait_run(client, run_id, org.headers())
    client.get(f"/api/v1/plans/{run_id}/export/xlsx", headers=org.headers("viewer"))
    events = client.get("/api/v1/audit", headers=org.headers("admin")).json()
    seen = [(e["user"], e["action"], e["object_type"]) for e in events]
    assert ("viewer@acme.example", "export", "plan") in seen
    assert ("editor@acme.example", "run", "plan") in seen
    assert ("editor@acme.example", "create", "scenario") in seen


def test_request_size_limit(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    big = "a" * (1024 * 1024 + 10)
    r = client.post(
        "/api/v1/scenarios", content=big, headers={**org.headers(), "content-type": "application/json"}
    )
    assert r.status_code == 413
    r = client.post("/api/v1/scenarios", json={"name": "x", "yaml": "#" * 300_000}, headers=org.headers())
    assert r.status_code == 422  # over the scenario size limit, under the body limit


def test_catalogs(env: tuple[Client, Org, FakePlanner]) -> None:
    client, org, _ = env
    names = client.get("/api/v1/catalogs", headers=org.headers("viewer")).json()["catalogs"]
    assert {"accelerators", "models"} <= set(names)
    rows = client.get("/api/v1/catalogs/accelerators", headers=org.headers("viewer")).json()["rows"]
    h100 = next(r for r in rows if r["id"] == "h100-sxm")
    assert float(h100["hbm_gb"]) == 80  # NVIDIA H100 SXM datasheet
    assert all(r["source"] for r in rows)
    assert client.get("/api/v1/catalogs/nope", headers=org.headers()).status_code == 404


def test_restart_keeps_scenarios_and_fails_interrupted_runs(tmp_path: Path) -> None:
    planner = FakePlanner()
    app = new_app(tmp_path, planner)
    org = make_org(app, "Acme")
    client = Client(app)
    sid = _create(client, org, GOOD_YAML + "block: true\n")
    run_id = client.post(f"/api/v1/scenarios/{sid}/plans", headers=org.headers()).json()["run_id"]
    # simulate a crash: the first process stops renewing its lease, which lapses before the new one starts
    lapse_leases(app)
    planner2 = FakePlanner()
    planner2.release.set()
    app2 = new_app(tmp_path, planner2)
    planner.release.set()
    client.close()
    client2 = Client(app2)
    try:
        view = client2.get(f"/api/v1/plans/{run_id}", headers=org.headers()).json()
        assert view["status"] == "failed"
        assert "restart" in view["error"]
        assert app2.state.services.interrupted_runs == 1
        assert client2.get(f"/api/v1/scenarios/{sid}", headers=org.headers()).json()["version"] == 1
        rerun = client2.post(f"/api/v1/plans/{run_id}/rerun", headers=org.headers()).json()["run_id"]
        assert wait_run(client2, rerun, org.headers())["status"] == "succeeded"
    finally:
        client2.close()


def test_security_headers_and_openapi(env: tuple[Client, Org, FakePlanner]) -> None:
    client, _org, _ = env
    r = client.get("/openapi.json")
    spec: dict[str, Any] = r.json()
    assert "/api/v1/scenarios/{scenario_id}/plans" in spec["paths"]
    assert not any(p.startswith("/scenarios") for p in spec["paths"])  # pages are not API
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
