"""Load test of the web service on loopback: 50 concurrent clients reading plans and listing scenarios
with 1,000 stored plans. Prints p50/p95 latency [ms] and errors (goals: p95 < 200 ms, no errors).

Bounded: at most ``REQUESTS`` requests or ``MAX_SECONDS`` seconds, whichever comes first; the server
is ``stackplan serve`` in a subprocess on 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

#: Concurrent clients.
CLIENTS = 50
#: Stored plans (runs with a result).
PLANS = 1_000
#: Scenarios the plans belong to.
SCENARIOS = 50
#: Server processes (one per core of the 2-core reference machine).
PROCESSES = int(os.environ.get("BENCH_PROCESSES", "2"))
#: Request budget and time budget of the load phase.
REQUESTS = 20_000
MAX_SECONDS = 60.0


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _seed(url: str) -> tuple[str, list[str]]:
    """An organisation, a user and SCENARIOS scenarios with PLANS succeeded runs; returns (token, run ids)."""
    from stackplan.plan import build_plan
    from stackplan.service import store
    from stackplan.service.db import PlanRun, make_engine, make_sessionmaker, migrate
    from stackplan.service.planning import examples

    yaml_text = examples()["enterprise_research"]
    plan = build_plan(yaml_text).to_dict()
    engine = make_engine(url)
    migrate(engine)
    sessions = make_sessionmaker(engine)
    with sessions.begin() as s:
        store.create_org(s, "Bench")
        user, token = store.create_user(s, "Bench", "bench@bench.example", "editor", None)
        who = store.actor_of(user)
        sids = [store.create_scenario(s, who, f"scenario {i}", yaml_text).id for i in range(SCENARIOS)]
    runs: list[str] = []
    with sessions.begin() as s:
        for i in range(PLANS):
            run = PlanRun(
                org_id=who.org_id,
                scenario_id=sids[i % SCENARIOS],
                scenario_version=1,
                status="succeeded",
                progress=1.0,
                message="done",
                created_by=who.user_id,
            )
            s.add(run)
            s.flush()
            s.add(store.result_row(s, run.id, plan))
            runs.append(run.id)
    engine.dispose()
    return token, runs


class _Connection:
    """A minimal HTTP/1.1 keep-alive connection (GET only): the load client does as little work as
    possible per request, so that the figures measure the server, not the client (the client shares
    the machine's cores with the server)."""

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, head: bytes) -> None:
        self.reader, self.writer, self.head = reader, writer, head

    @classmethod
    async def open(cls, host: str, port: int, token: str) -> _Connection:
        reader, writer = await asyncio.open_connection(host, port)
        head = (
            f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\nAccept-Encoding: gzip\r\n\r\n"
        ).encode()
        return cls(reader, writer, head)

    async def get(self, path: str) -> tuple[int, dict[str, str], bytes]:
        self.writer.write(b"GET " + path.encode() + b" HTTP/1.1\r\n" + self.head)
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("server closed the connection")
        headers: dict[str, str] = {}
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await self.reader.readexactly(int(headers.get("content-length", "0")))
        return int(status_line.split()[1]), headers, body

    def close(self) -> None:
        self.writer.close()


def _check(kind: str, headers: dict[str, str], body: bytes) -> None:
    """The answer is the expected JSON (checked on each client's first answer of each kind)."""
    if headers.get("content-encoding") == "gzip":
        body = gzip.decompress(body)
    data = json.loads(body)
    if kind == "plan" and not (data["status"] == "succeeded" and data["result"]["deployments"]):
        raise ValueError("a plan answer without a plan")
    if kind == "list" and len(data) != SCENARIOS:
        raise ValueError(f"{len(data)} scenarios listed, {SCENARIOS} stored")


async def _load(
    host: str, port: int, token: str, runs: list[str]
) -> tuple[dict[str, list[float]], list[str], float]:
    latencies: dict[str, list[float]] = {"plan": [], "list": []}
    errors: list[str] = []
    budget = [REQUESTS]
    deadline = time.monotonic() + MAX_SECONDS
    rng = random.Random(42)

    async def client() -> None:
        conn = await _Connection.open(host, port, token)
        checked: set[str] = set()
        try:
            while budget[0] > 0 and time.monotonic() < deadline:
                budget[0] -= 1
                kind = "plan" if rng.random() < 0.7 else "list"
                path = f"/api/v1/plans/{rng.choice(runs)}" if kind == "plan" else "/api/v1/scenarios"
                t0 = time.perf_counter()
                try:
                    status, headers, body = await conn.get(path)
                except (OSError, asyncio.IncompleteReadError) as err:
                    errors.append(f"{path}: {type(err).__name__}")
                    conn.close()
                    conn = await _Connection.open(host, port, token)
                    continue
                latencies[kind].append((time.perf_counter() - t0) * 1000)
                if status != 200:
                    errors.append(f"{path}: {status}")
                elif kind not in checked:
                    checked.add(kind)
                    try:
                        _check(kind, headers, body)
                    except (ValueError, KeyError, TypeError) as err:
                        errors.append(f"{path}: {err}")
        finally:
            conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(CLIENTS)))
    elapsed = time.perf_counter() - t0
    return latencies, errors, elapsed


def _wait_ready(server: subprocess.Popen[bytes], log_path: Path, timeout_s: float = 120.0) -> None:
    """Wait until every server process has started (each logs "Application startup complete")."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if log_path.read_text(errors="replace").count("Application startup complete") >= PROCESSES:
            time.sleep(0.5)  # let the start-up work settle
            return
        if server.poll() is not None:
            raise RuntimeError(f"the server exited: {log_path.read_text(errors='replace')[-2000:]}")
        time.sleep(0.1)
    raise RuntimeError("the server did not start in time")


def _cpu_s(pid: int) -> float:
    """CPU time [s] (user + system) of a process and its direct children (Linux /proc; 0 elsewhere)."""
    tick = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if stat.parent.name == str(pid) or fields[1] == str(pid):  # fields[1] is the parent pid
            total += (int(fields[11]) + int(fields[12])) / tick  # utime, stime
    return total


def _pct(values: list[float], q: float) -> float:
    return (
        statistics.quantiles(values, n=100)[int(q) - 1]
        if len(values) >= 2
        else (values[0] if values else float("nan"))
    )


def main() -> None:
    """Seed, serve, load, print."""
    tmp = Path(tempfile.mkdtemp(prefix="stackplan-bench-"))
    url = f"sqlite:///{tmp / 'bench.db'}"
    t0 = time.perf_counter()
    token, runs = _seed(url)
    seed_s = time.perf_counter() - t0
    port = _free_port()
    log_path = tmp / "server.log"
    log = log_path.open("wb")
    env = {**os.environ, "STACKPLAN_HOME": str(tmp)}
    server = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "from stackplan.cli import main; main()",
            "serve",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--database",
            url,
            "--processes",
            str(PROCESSES),
            "--no-access-log",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    load_before = os.getloadavg()[0]
    try:
        _wait_ready(server, log_path)
        load_before = os.getloadavg()[0]
        cpu0 = _cpu_s(server.pid)
        latencies, errors, elapsed = asyncio.run(_load("127.0.0.1", port, token, runs))
        server_cpu_s = _cpu_s(server.pid) - cpu0
    finally:
        server.terminate()
        server.wait(10)
        log.close()
        if server.returncode in (0, -15):  # stopped by us: nothing to inspect, remove the database
            shutil.rmtree(tmp, ignore_errors=True)
        else:
            print(f"server exited with {server.returncode}; its log is kept in {log_path}")
    every = latencies["plan"] + latencies["list"]
    load1 = os.getloadavg()[0]
    print(f"load average before the load phase {load_before:.2f}")
    print(
        f"service load test: {CLIENTS} clients, {PLANS} stored plans, {SCENARIOS} scenarios "
        f"(seeded in {seed_s:.1f} s; {os.cpu_count()} cores, {PROCESSES} server processes, "
        f"load average {load1:.1f} at the end)"
    )
    print(
        f"  requests {len(every)} in {elapsed:.1f} s ({len(every) / elapsed:,.0f} req/s), errors {len(errors)}; "
        f"server CPU {server_cpu_s * 1000 / max(1, len(every)):.2f} ms per request (independent of other load)"
    )
    for kind, label in (("plan", "GET /plans/{id}"), ("list", "GET /scenarios")):
        v = latencies[kind]
        if v:
            print(
                f"  {label:<18} n={len(v):>5}  p50 {_pct(v, 50):7.1f} ms  p95 {_pct(v, 95):7.1f} ms  max {max(v):7.1f} ms"
            )
    p95 = _pct(every, 95)
    print(
        f"  all reads          p50 {_pct(every, 50):7.1f} ms  p95 {p95:7.1f} ms  (goal p95 < 200 ms: {'met' if p95 < 200 else 'NOT met'})"
    )
    if errors:
        print("  first errors:", errors[:5])


if __name__ == "__main__":
    main()
