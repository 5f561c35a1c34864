"""Load test of the web service on loopback: 50 concurrent clients reading plans and listing scenarios
with 1,000 stored plans. Prints p50/p95 latency [ms] and errors (goals: p95 < 200 ms, no errors).

Bounded: at most ``REQUESTS`` requests or ``MAX_SECONDS`` seconds, whichever comes first; the server
is ``stackplan serve`` in a subprocess on 127.0.0.1 and is stopped at the end.
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

#: Concurrent clients.
CLIENTS = 50
#: Stored plans (runs with a result).
PLANS = 1_000
#: Scenarios the plans belong to.
SCENARIOS = 50
#: Request budget and time budget of the load phase.
REQUESTS = 3_000
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
    from stackplan.service.db import PlanResult, PlanRun, make_engine, make_sessionmaker, migrate
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
            s.add(PlanResult(run_id=run.id, result=plan))
            runs.append(run.id)
    engine.dispose()
    return token, runs


async def _load(base: str, token: str, runs: list[str]) -> tuple[dict[str, list[float]], list[str], float]:
    latencies: dict[str, list[float]] = {"plan": [], "list": []}
    errors: list[str] = []
    budget = [REQUESTS]
    deadline = time.monotonic() + MAX_SECONDS
    rng = random.Random(42)
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    async with httpx.AsyncClient(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, limits=limits, timeout=30
    ) as client:

        async def worker() -> None:
            while budget[0] > 0 and time.monotonic() < deadline:
                budget[0] -= 1
                kind = "plan" if rng.random() < 0.7 else "list"
                url = f"/api/v1/plans/{rng.choice(runs)}" if kind == "plan" else "/api/v1/scenarios"
                t0 = time.perf_counter()
                try:
                    r = await client.get(url)
                    if r.status_code != 200:
                        errors.append(f"{url}: {r.status_code}")
                    else:
                        r.json()
                except httpx.HTTPError as err:
                    errors.append(f"{url}: {type(err).__name__}")
                latencies[kind].append((time.perf_counter() - t0) * 1000)

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(CLIENTS)))
        elapsed = time.perf_counter() - t0
    return latencies, errors, elapsed


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
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                if httpx.get(f"{base}/openapi.json", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.1)
        latencies, errors, elapsed = asyncio.run(_load(base, token, runs))
    finally:
        server.terminate()
        server.wait(10)
    every = latencies["plan"] + latencies["list"]
    load1 = os.getloadavg()[0]
    print(
        f"service load test: {CLIENTS} clients, {PLANS} stored plans, {SCENARIOS} scenarios "
        f"(seeded in {seed_s:.1f} s; {os.cpu_count()} cores, load average {load1:.1f} at the end)"
    )
    print(
        f"  requests {len(every)} in {elapsed:.1f} s ({len(every) / elapsed:,.0f} req/s), errors {len(errors)}"
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
