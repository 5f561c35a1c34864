"""Run leases: several processes share one database without failing each other's live runs (issue 7)."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sqlalchemy import select, update

from stackplan.service import store
from stackplan.service.db import PlanRun, utcnow
from tests.e2e.service_support import GOOD_YAML, Client, FakePlanner, lapse_leases, make_org, new_app


def _status(app: object, run_id: str) -> tuple[str, str | None]:
    with app.state.services.sessions() as s:  # type: ignore[attr-defined]
        row = s.execute(select(PlanRun.status, PlanRun.lease_owner).where(PlanRun.id == run_id)).one()
    return row.status, row.lease_owner


def test_second_process_leaves_live_runs_alone_and_fails_lapsed_ones(tmp_path: Path) -> None:
    planner = FakePlanner()  # blocks until released: the run stays running in process 1
    app1 = new_app(tmp_path, planner)
    org = make_org(app1, "Acme")
    c1 = Client(app1)
    sid = c1.post(
        "/api/v1/scenarios", json={"name": "s", "yaml": GOOD_YAML + "block: true\n"}, headers=org.headers()
    ).json()["id"]
    run_id = c1.post(f"/api/v1/scenarios/{sid}/plans", headers=org.headers()).json()["run_id"]
    assert _status(app1, run_id)[1] == app1.state.services.pool.owner
    # process 2 starts on the same database while process 1 is alive: the run is not touched
    planner2 = FakePlanner()
    planner2.release.set()
    app2 = new_app(tmp_path, planner2)
    try:
        assert app2.state.services.interrupted_runs == 0
        assert _status(app1, run_id)[0] in ("queued", "running")
        # process 1 renews its lease; process 2's heartbeat reaps nothing while it is fresh
        app1.state.services.pool.beat()
        app2.state.services.pool.beat()
        assert _status(app1, run_id)[0] in ("queued", "running")
        # process 1 dies (stops renewing): once the lease lapsed, process 2's heartbeat fails the run
        lapse_leases(app1)
        app2.state.services.pool.beat()
        assert _status(app2, run_id)[0] == "failed"
    finally:
        planner.release.set()
        c1.close()
        app2.state.services.pool.shutdown()
        app2.state.services.engine.dispose()
    # the finished job of the 'dead' process did not overwrite the failure
    app3 = new_app(tmp_path, planner2)
    try:
        assert _status(app3, run_id)[0] == "failed"
    finally:
        app3.state.services.pool.shutdown()


def test_lapse_boundary_and_runs_without_lease(tmp_path: Path) -> None:
    """A lease lapses LEASE_TTL_S after its heartbeat; runs written before leases existed count as lapsed."""
    app = new_app(tmp_path, FakePlanner())
    org = make_org(app, "Acme")
    c = Client(app)
    sid = c.post("/api/v1/scenarios", json={"name": "s", "yaml": GOOD_YAML}, headers=org.headers()).json()[
        "id"
    ]
    ids = [c.post(f"/api/v1/scenarios/{sid}/plans", headers=org.headers()).json()["run_id"] for _ in range(3)]
    c.app.state.services.pool.wait_idle(20)
    now = utcnow()
    beats = {
        ids[0]: now - timedelta(seconds=store.LEASE_TTL_S - 5),  # 55 s ago: alive
        ids[1]: now - timedelta(seconds=store.LEASE_TTL_S + 5),  # 65 s ago: lapsed
        ids[2]: None,  # no lease (a pre-lease database)
    }
    with app.state.services.sessions.begin() as s:
        for rid, beat in beats.items():
            s.execute(
                update(PlanRun)
                .where(PlanRun.id == rid)
                .values(
                    status="running", lease_owner=None if beat is None else "other", lease_heartbeat_at=beat
                )
            )
    with app.state.services.sessions.begin() as s:
        assert store.fail_interrupted_runs(s, now) == 2
    assert [_status(app, r)[0] for r in ids] == ["running", "failed", "failed"]
    own = app.state.services.pool.owner
    with app.state.services.sessions.begin() as s:  # run 1 is live again, leased by this process
        s.execute(
            update(PlanRun)
            .where(PlanRun.id == ids[1])
            .values(status="queued", lease_owner=own, lease_heartbeat_at=utcnow())
        )
    c.close()  # a clean shutdown fails this process's own live runs only (run 0 belongs to "other")
    assert [_status(app, r)[0] for r in ids[:2]] == ["running", "failed"]


def test_processes_can_listen_on_one_port() -> None:
    """``serve --processes N``: each process binds its own socket to the same address (SO_REUSEPORT)."""
    from stackplan.service.server import _listen

    first = _listen("127.0.0.1", 0)
    port = first.getsockname()[1]
    second = _listen("127.0.0.1", port)
    try:
        assert second.getsockname() == first.getsockname()
    finally:
        first.close()
        second.close()
