"""Web pages in-process: sign-in, CSRF, editor problems at their lines, roles, dashboard, compare, audit."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.service_support import (
    GOOD_YAML,
    PASSWORD,
    Client,
    Org,
    csrf_of,
    make_org,
    new_app,
    sign_in,
    wait_run,
)


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Client, Org]]:
    app = new_app(tmp_path)
    org = make_org(app, "Acme")
    client = Client(app)
    yield client, org
    client.close()


def test_pages_need_sign_in(env: tuple[Client, Org]) -> None:
    client, _ = env
    r = client.get("/scenarios")
    assert r.status_code == 303
    assert r.headers["location"] == "/login?next=/scenarios"


def test_sign_in_sets_a_hardened_session_cookie(env: tuple[Client, Org]) -> None:
    client, org = env
    r = sign_in(client, org.users["editor"][0])
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
    assert client.get("/scenarios").status_code == 200


def test_wrong_password_is_refused_without_saying_which_part(env: tuple[Client, Org]) -> None:
    client, org = env
    r = sign_in(client, org.users["editor"][0], "wrong password!")
    assert r.status_code == 401
    assert "not recognised" in r.text
    r = sign_in(client, "nobody@nowhere.example", "whatever it is")
    assert r.status_code == 401
    assert "not recognised" in r.text


def test_first_sign_in_needs_the_one_time_token(env: tuple[Client, Org]) -> None:
    client, org = env
    email, token = org.users["admin"]
    assert sign_in(client, email, "a new password 1").status_code == 401  # no token
    assert sign_in(client, email, "short", token).status_code == 401  # too short
    assert sign_in(client, email, "a new password 1", token).status_code == 303
    client.cookies.clear()
    assert sign_in(client, email, "a new password 1").status_code == 303  # the password now works


def test_forms_without_the_csrf_token_are_refused(env: tuple[Client, Org]) -> None:
    client, org = env
    r = client.post(
        "/login", data={"email": org.users["editor"][0], "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert r.status_code == 403
    sign_in(client, org.users["editor"][0])
    r = client.post("/scenarios", data={"name": "x", "example": "enterprise_research", "csrf_token": "bad"})
    assert r.status_code == 403


def _create_via_form(client: Client) -> str:
    csrf = csrf_of(client.get("/scenarios").text)
    r = client.post(
        "/scenarios", data={"name": "From example", "example": "enterprise_research", "csrf_token": csrf}
    )
    assert r.status_code == 303, r.text
    return r.headers["location"].rsplit("/", 1)[1]


def test_editor_shows_problems_at_their_lines_and_saves_versions(env: tuple[Client, Org]) -> None:
    client, org = env
    sign_in(client, org.users["editor"][0])
    sid = _create_via_form(client)
    page = client.get(f"/scenarios/{sid}")
    assert "From example" in page.text
    bad = GOOD_YAML + "bogus: 1\n"  # line 9 of the text (GOOD_YAML has 8 lines)
    r = client.post(
        f"/scenarios/{sid}",
        data={"yaml": bad, "base_version": "1", "action": "save", "csrf_token": csrf_of(page.text)},
    )
    assert r.status_code == 422
    assert 'data-line="9"' in r.text
    assert re.search(r'<span class="err">9</span>', r.text)
    r = client.post(
        f"/scenarios/{sid}",
        data={"yaml": GOOD_YAML, "base_version": "1", "action": "save", "csrf_token": csrf_of(page.text)},
    )
    assert r.status_code == 303
    assert r.headers["location"].endswith("?saved=2")
    # the common-fields form writes the YAML and saves version 3
    r = client.post(
        f"/scenarios/{sid}/fields",
        data={
            "organization.horizon_years": "7",
            "base_version": "2",
            "deployment.models": ["hybrid"],
            "csrf_token": csrf_of(page.text),
        },
    )
    assert r.status_code == 303
    api = client.get(f"/scenarios/{sid}?version=3").text
    assert "horizon_years: 7" in api
    # a save from the stale version 2 shows the conflict instead of overwriting
    r = client.post(
        f"/scenarios/{sid}",
        data={"yaml": GOOD_YAML, "base_version": "2", "action": "save", "csrf_token": csrf_of(page.text)},
    )
    assert r.status_code == 409
    assert "someone saved a newer version" in r.text


def test_run_dashboard_compare_and_downloads(env: tuple[Client, Org]) -> None:
    client, org = env
    sign_in(client, org.users["editor"][0])
    sid = _create_via_form(client)
    csrf = csrf_of(client.get(f"/scenarios/{sid}").text)
    r = client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf, "version": "1"})
    run_id = r.headers["location"].rsplit("/", 1)[1]
    wait_run(client, run_id, org.headers())
    page = client.get(f"/plans/{run_id}").text
    for fig in ("comparison", "cost-stack", "tokens", "emissions", "roadmap"):
        assert f'id="figure-{fig}"' in page
    assert "restricted data outside the EU" in page  # governance finding of the sample plan
    assert "/vendor/plotly.min.js" in page
    assert client.get("/vendor/plotly.min.js").status_code == 200
    assert client.get(f"/plans/{run_id}/download/html").status_code == 200
    r = client.get(f"/compare?a={sid}@1&b={sid}@1")
    assert r.status_code == 200
    assert "identical" in r.text


def test_viewer_sees_but_cannot_change(env: tuple[Client, Org]) -> None:
    client, org = env
    sign_in(client, org.users["editor"][0])
    sid = _create_via_form(client)
    client.cookies.clear()
    sign_in(client, org.users["viewer"][0])
    page = client.get(f"/scenarios/{sid}")
    assert page.status_code == 200
    assert "Run plan" not in page.text
    assert "readonly" in page.text
    csrf = csrf_of(page.text)
    assert client.post(f"/scenarios/{sid}/run", data={"csrf_token": csrf}).status_code == 403
    r = client.post(f"/scenarios/{sid}", data={"yaml": GOOD_YAML, "base_version": "1", "csrf_token": csrf})
    assert r.status_code == 403
    assert client.get("/audit").status_code == 403


def test_admin_reads_the_audit_log(env: tuple[Client, Org]) -> None:
    client, org = env
    email, token = org.users["admin"]
    sign_in(client, email, "admin password 1", token)
    page = client.get("/audit")
    assert page.status_code == 200
    assert "set-password" in page.text
    assert "sign-in" in page.text
