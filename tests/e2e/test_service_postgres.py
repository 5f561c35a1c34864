"""The service on a real PostgreSQL server: a throwaway cluster (Debian's packages) started by the
test on a loopback port in a temporary folder, as a non-root user, and removed afterwards."""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.service_support import GOOD_YAML, Client, make_org, new_app, wait_run


def _pg_bin() -> Path | None:
    found = shutil.which("pg_ctl")
    if found:
        return Path(os.path.realpath(found)).parent
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(candidates[-1]).parent if candidates else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _as_user(cmd: list[str]) -> list[str]:
    """PostgreSQL refuses to run as root: run its tools as the 'postgres' user then."""
    if os.geteuid() == 0:
        return ["runuser", "-u", "postgres", "--", *cmd]
    return cmd


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    bindir = _pg_bin()
    if bindir is None:
        pytest.skip("PostgreSQL server binaries not installed (make system-deps)")
    base = Path(tempfile.mkdtemp(prefix="stackplan-pg-"))
    data, sock = base / "data", base / "sock"
    data.mkdir()
    sock.mkdir()
    if os.geteuid() == 0:
        shutil.chown(base, "postgres")
        shutil.chown(data, "postgres")
        shutil.chown(sock, "postgres")
    port = _free_port()
    run = lambda cmd: subprocess.run(_as_user(cmd), check=True, capture_output=True, timeout=120)  # noqa: E731
    run(
        [
            str(bindir / "initdb"),
            "-D",
            str(data),
            "-U",
            "stackplan",
            "--auth=trust",
            "-E",
            "UTF8",
            "--no-sync",
        ]
    )
    opts = f"-p {port} -k {sock} -c listen_addresses=127.0.0.1 -c fsync=off"
    run(
        [
            str(bindir / "pg_ctl"),
            "-D",
            str(data),
            "-o",
            opts,
            "-l",
            str(base / "log"),
            "-w",
            "-t",
            "60",
            "start",
        ]
    )
    try:
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={port} user=stackplan dbname=postgres", autocommit=True
        ) as conn:
            conn.execute("CREATE DATABASE stackplan_test")
        yield f"postgresql+psycopg://stackplan@127.0.0.1:{port}/stackplan_test"
    finally:
        subprocess.run(
            _as_user([str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
            capture_output=True,
            timeout=60,
        )
        shutil.rmtree(base, ignore_errors=True)


def test_service_on_postgresql(postgres_url: str, tmp_path: Path) -> None:
    app = new_app(tmp_path, url=postgres_url)
    assert app.state.services.engine.dialect.name == "postgresql"
    a, b = make_org(app, "PgAlpha"), make_org(app, "PgBeta")
    client = Client(app)
    try:
        sid = client.post(
            "/api/v1/scenarios", json={"name": "pg", "yaml": GOOD_YAML}, headers=a.headers()
        ).json()["id"]
        r = client.put(
            f"/api/v1/scenarios/{sid}",
            json={"yaml": GOOD_YAML + "# v2\n", "base_version": 1},
            headers=a.headers(),
        )
        assert r.json()["version"] == 2
        stale = client.put(
            f"/api/v1/scenarios/{sid}", json={"yaml": GOOD_YAML, "base_version": 1}, headers=a.headers()
        )
        assert stale.status_code == 409
        assert stale.json()["current_version"] == 2
        run_id = client.post(f"/api/v1/scenarios/{sid}/plans", headers=a.headers()).json()["run_id"]
        view = wait_run(client, run_id, a.headers())
        assert view["status"] == "succeeded"
        assert view["result"]["deployments"][1]["tco_usd"] == 605  # JSON column round trip
        assert client.get(f"/api/v1/scenarios/{sid}", headers=b.headers()).status_code == 404
        assert client.get(f"/api/v1/plans/{run_id}", headers=b.headers()).status_code == 404
        assert client.get("/api/v1/scenarios", headers=b.headers()).json() == []
        events = client.get("/api/v1/audit", headers=a.headers("admin")).json()
        assert {e["action"] for e in events} >= {"create", "update", "run"}
    finally:
        client.close()
    # a restart on the same database applies no migration twice and keeps everything
    app2 = new_app(tmp_path, url=postgres_url)
    client2 = Client(app2)
    try:
        assert client2.get(f"/api/v1/scenarios/{sid}", headers=a.headers()).json()["version"] == 2
    finally:
        client2.close()
