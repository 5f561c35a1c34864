"""Sign-in throttling on the web form, API token rotation and revocation (API and CLI) (issue 7)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from typer.testing import CliRunner

from stackplan.cli import app as cli_app
from stackplan.service.ratelimit import ACCOUNT_POLICY, Policy, SignInThrottle
from tests.e2e.service_support import PASSWORD, Client, FakePlanner, Org, make_org, new_app, sign_in


@pytest.fixture
def env(tmp_path: Path) -> Iterator[tuple[Client, Org]]:
    app = new_app(tmp_path, FakePlanner())
    org = make_org(app, "Acme")
    client = Client(app)
    yield client, org
    client.close()


def test_sign_in_is_throttled_per_account(env: tuple[Client, Org]) -> None:
    client, org = env
    email = org.users["editor"][0]
    for _ in range(ACCOUNT_POLICY.failures):
        assert sign_in(client, email, "wrong password!").status_code == 401
    refused = sign_in(client, email, PASSWORD)  # even the right password waits now
    assert refused.status_code == 429
    assert 0 < int(refused.headers["retry-after"]) <= ACCOUNT_POLICY.window_s
    assert "Too many failed sign-ins" in refused.text
    assert "sp_session" not in refused.headers.get("set-cookie", "")
    # another account from the same address is not affected (the address limit is higher)
    assert sign_in(client, org.users["viewer"][0], PASSWORD).status_code == 303


def test_sign_in_is_throttled_per_address_and_success_clears_the_account(env: tuple[Client, Org]) -> None:
    client, org = env
    client.app.state.services.throttle = SignInThrottle(address=Policy(failures=3, window_s=600, max_keys=10))
    viewer = org.users["viewer"][0]
    assert sign_in(client, viewer, "wrong password!").status_code == 401
    assert sign_in(client, viewer, PASSWORD).status_code == 303  # clears the account, not the address
    client.cookies.clear()  # signed out again
    for i in range(2):
        assert sign_in(client, f"nobody{i}@acme.example", "guess guess").status_code == 401
    assert sign_in(client, org.users["editor"][0], PASSWORD).status_code == 429  # 3 from this address


def test_rotate_own_token_and_admin_revokes(env: tuple[Client, Org]) -> None:
    client, org = env
    old = org.headers("editor")
    new = client.post("/api/v1/tokens/rotate", headers=old).json()["token"]
    assert new.startswith("sp_")
    assert client.get("/api/v1/me", headers=old).status_code == 401
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).json()["role"] == "editor"
    # editors cannot revoke; admins can, in their organisation, and it works at once
    email = org.users["editor"][0]
    body = {"email": email}
    assert client.post("/api/v1/admin/revoke-tokens", json=body, headers=old).status_code == 401
    viewer = org.headers("viewer")
    assert client.post("/api/v1/admin/revoke-tokens", json=body, headers=viewer).status_code == 403
    r = client.post("/api/v1/admin/revoke-tokens", json=body, headers=org.headers("admin"))
    assert r.json() == {"revoked": 1}
    assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {new}"}).status_code == 401
    unknown = {"email": "ghost@acme.example"}
    assert (
        client.post("/api/v1/admin/revoke-tokens", json=unknown, headers=org.headers("admin")).status_code
        == 404
    )
    actions = [e["action"] for e in client.get("/api/v1/audit", headers=org.headers("admin")).json()]
    assert {"rotate-token", "revoke-tokens"} <= set(actions)


def test_cli_revoke_and_rotate(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    assert runner.invoke(cli_app, ["admin", "create-org", "Acme", "--database", url]).exit_code == 0
    made = runner.invoke(
        cli_app,
        [
            "admin",
            "create-user",
            "--org",
            "Acme",
            "--email",
            "a@acme.example",
            "--role",
            "admin",
            "--database",
            url,
        ],
    )
    first = made.output.strip().splitlines()[-1]
    rotated = runner.invoke(
        cli_app, ["admin", "rotate-token", "--email", "a@acme.example", "--database", url]
    )
    assert rotated.exit_code == 0, rotated.output
    second = rotated.output.strip().splitlines()[-1]
    assert second.startswith("sp_")
    assert second != first
    revoked = runner.invoke(
        cli_app, ["admin", "revoke-token", "--email", "a@acme.example", "--database", url]
    )
    assert "Revoked 1 API token(s)" in revoked.output
    app = new_app(tmp_path, FakePlanner(), url=url)
    client = Client(app)
    try:
        for token in (first, second):
            assert client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"}).status_code == 401
    finally:
        client.close()
    missing = runner.invoke(
        cli_app, ["admin", "revoke-token", "--email", "no@acme.example", "--database", url]
    )
    assert missing.exit_code != 0
    assert "--email" in missing.output
