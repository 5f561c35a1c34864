"""Nothing leaks between organisations: every API endpoint and every page, called by another
organisation with ids of the first, answers 404 (or a list without them)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.routing import APIRoute

from stackplan.service import web
from tests.e2e.service_support import GOOD_YAML, Client, Org, csrf_of, make_org, new_app, sign_in, wait_run


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    tmp: Path = tmp_path_factory.mktemp("iso")
    app = new_app(tmp)
    a, b = make_org(app, "Alpha"), make_org(app, "Beta")
    client = Client(app)
    sid = client.post(
        "/api/v1/scenarios", json={"name": "alpha secret", "yaml": GOOD_YAML}, headers=a.headers()
    ).json()["id"]
    run_id = client.post(f"/api/v1/scenarios/{sid}/plans", headers=a.headers()).json()["run_id"]
    assert wait_run(client, run_id, a.headers())["status"] == "succeeded"
    b_sid = client.post(
        "/api/v1/scenarios", json={"name": "beta own", "yaml": GOOD_YAML}, headers=b.headers()
    ).json()["id"]
    yield {"client": client, "a": a, "b": b, "sid": sid, "run": run_id, "b_sid": b_sid}
    client.close()


#: Every API route -> how Beta's admin calls it with Alpha's ids, and what it must get.
#: ``404`` means "answers 404"; ``list`` means "200 without any of Alpha's ids".
API_CASES: dict[tuple[str, str], tuple[str, str, dict[str, Any] | None, str]] = {
    ("GET", "/api/v1/me"): ("GET", "/api/v1/me", None, "me"),
    ("GET", "/api/v1/scenarios"): ("GET", "/api/v1/scenarios", None, "list"),
    ("POST", "/api/v1/scenarios"): ("POST", "/api/v1/scenarios", {"name": "n", "yaml": GOOD_YAML}, "created"),
    ("GET", "/api/v1/scenarios/{scenario_id}"): ("GET", "/api/v1/scenarios/{sid}", None, "404"),
    ("PUT", "/api/v1/scenarios/{scenario_id}"): (
        "PUT",
        "/api/v1/scenarios/{sid}",
        {"yaml": GOOD_YAML, "base_version": 1},
        "404",
    ),
    ("GET", "/api/v1/scenarios/{scenario_id}/plans"): ("GET", "/api/v1/scenarios/{sid}/plans", None, "404"),
    ("POST", "/api/v1/scenarios/{scenario_id}/plans"): ("POST", "/api/v1/scenarios/{sid}/plans", None, "404"),
    ("GET", "/api/v1/plans"): ("GET", "/api/v1/plans", None, "list"),
    ("GET", "/api/v1/plans/{run_id}"): ("GET", "/api/v1/plans/{run}", None, "404"),
    ("POST", "/api/v1/plans/{run_id}/rerun"): ("POST", "/api/v1/plans/{run}/rerun", None, "404"),
    ("GET", "/api/v1/plans/{run_id}/export/{fmt}"): ("GET", "/api/v1/plans/{run}/export/json", None, "404"),
    ("GET", "/api/v1/catalogs"): ("GET", "/api/v1/catalogs", None, "shared"),
    ("GET", "/api/v1/catalogs/{name}"): ("GET", "/api/v1/catalogs/accelerators", None, "shared"),
    ("GET", "/api/v1/audit"): ("GET", "/api/v1/audit", None, "list"),
    # these change tokens: checked by test_token_routes_do_not_leak (not with the module's shared users)
    ("POST", "/api/v1/tokens/rotate"): ("POST", "/api/v1/tokens/rotate", None, "dedicated"),
    ("POST", "/api/v1/admin/revoke-tokens"): ("POST", "/api/v1/admin/revoke-tokens", None, "dedicated"),
}


def test_every_api_route_has_an_isolation_case(world: dict[str, Any]) -> None:
    spec = world["client"].get("/openapi.json").json()
    routes = {(m.upper(), path) for path, ops in spec["paths"].items() for m in ops}
    assert routes == set(API_CASES), "add an isolation case for every new API route"


@pytest.mark.parametrize("route", sorted(k for k, v in API_CASES.items() if v[3] != "dedicated"))
def test_api_route_does_not_leak(world: dict[str, Any], route: tuple[str, str]) -> None:
    method, template, body, expect = API_CASES[route]
    client: Client = world["client"]
    b: Org = world["b"]
    url = template.format(sid=world["sid"], run=world["run"])
    r = client.request(method, url, json=body, headers=b.headers("admin"))
    text = r.text
    assert "alpha secret" not in text
    if expect == "404":
        assert r.status_code == 404, text
        # indistinguishable from an id that does not exist at all
        ghost = template.format(sid="x" * 22, run="y" * 22)
        g = client.request(method, ghost, json=body, headers=b.headers("admin"))
        assert g.status_code == 404
        assert g.text.replace("x" * 22, world["sid"]).replace("y" * 22, world["run"]) == text
    else:
        assert world["sid"] not in text
        assert world["run"] not in text
    if expect == "list":
        assert r.status_code == 200
        assert isinstance(r.json(), list)
    elif expect == "me":
        assert r.json()["organization"] == "Beta"
    elif expect == "created":
        assert r.status_code == 201
    elif expect == "shared":
        assert r.status_code == 200
    # and Alpha's own admin does see its objects through the same route (the id is real)
    if expect == "404":
        mine = client.request(method, url, json=body, headers=world["a"].headers("admin"))
        assert mine.status_code in (200, 201, 202, 409), mine.text


def test_token_routes_do_not_leak(world: dict[str, Any]) -> None:
    from stackplan.service import store

    client: Client = world["client"]
    a: Org = world["a"]
    b: Org = world["b"]
    alpha_viewer = a.users["viewer"][0]
    # Beta's admin cannot revoke Alpha's tokens: 404, the same answer as for an unknown e-mail
    r = client.post("/api/v1/admin/revoke-tokens", json={"email": alpha_viewer}, headers=b.headers("admin"))
    assert r.status_code == 404
    ghost_email = "ghost@alpha.example"
    g = client.post("/api/v1/admin/revoke-tokens", json={"email": ghost_email}, headers=b.headers("admin"))
    assert g.status_code == 404
    assert g.text.replace(ghost_email, alpha_viewer) == r.text
    assert client.get("/api/v1/me", headers=a.headers("viewer")).status_code == 200
    # a Beta user rotating their token gets a Beta token and touches nobody else's
    with client.app.state.services.sessions.begin() as s:
        _user, token = store.create_user(s, "Beta", "rotator@beta.example", "viewer", None)
    rotated = client.post("/api/v1/tokens/rotate", headers={"Authorization": f"Bearer {token}"})
    assert set(rotated.json()) == {"token"}
    new = {"Authorization": f"Bearer {rotated.json()['token']}"}
    assert client.get("/api/v1/me", headers=new).json()["organization"] == "Beta"
    for role in ("viewer", "editor", "admin"):
        assert client.get("/api/v1/me", headers=a.headers(role)).status_code == 200
        assert client.get("/api/v1/me", headers=b.headers(role)).status_code == 200


def test_beta_lists_only_its_own(world: dict[str, Any]) -> None:
    client: Client = world["client"]
    listed = client.get("/api/v1/scenarios", headers=world["b"].headers()).json()
    assert world["b_sid"] in {s["id"] for s in listed}
    assert all(s["id"] != world["sid"] for s in listed)


PAGE_CASES = [
    ("GET", "/scenarios/{sid}", None),
    ("GET", "/scenarios/{sid}?version=1", None),
    ("POST", "/scenarios/{sid}", {"yaml": GOOD_YAML, "base_version": "1", "action": "save"}),
    ("POST", "/scenarios/{sid}/fields", {"base_version": "1", "organization.name": "x"}),
    ("POST", "/scenarios/{sid}/run", {}),
    ("GET", "/plans/{run}", None),
    ("GET", "/plans/{run}/status", None),
    ("POST", "/plans/{run}/rerun", {}),
    ("GET", "/plans/{run}/download/xlsx", None),
    ("GET", "/compare?a={sid}@1&b={sid}@1", None),
]


def test_every_page_route_has_an_isolation_case(world: dict[str, Any]) -> None:
    id_routes = {
        (m, r.path) for r in web.router.routes if isinstance(r, APIRoute) and "{" in r.path for m in r.methods
    }
    assert len(id_routes) >= 8
    covered = {
        (m, p.split("?")[0].replace("{sid}", "{scenario_id}").replace("{run}", "{run_id}"))
        for m, p, _ in PAGE_CASES
    }
    covered = {(m, p.replace("/download/xlsx", "/download/{fmt}")) for m, p in covered}
    assert id_routes <= covered


def test_pages_do_not_leak(world: dict[str, Any]) -> None:
    client: Client = world["client"]
    email = world["b"].users["editor"][0]
    assert sign_in(client, email).status_code == 303
    csrf = csrf_of(client.get("/scenarios").text)
    try:
        for method, template, form in PAGE_CASES:
            url = template.format(sid=world["sid"], run=world["run"])
            data = {**form, "csrf_token": csrf} if form is not None else None
            r = client.request(method, url, data=data)
            assert r.status_code == 404, (url, r.status_code)
            assert "alpha secret" not in r.text
        page = client.get("/scenarios").text
        assert "beta own" in page
        assert "alpha secret" not in page
    finally:
        client.cookies.clear()
