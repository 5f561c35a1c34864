"""Plan runs as jobs in a bounded worker pool.

A run is a row in ``plan_runs`` (queued -> running -> succeeded | failed). The pool has a fixed number of
worker threads (default 2, the machine's cores); each job reads the scenario version, calls the planner,
writes progress as it goes and the result at the end, each write in its own short transaction.

Several processes may share one database. Each pool has an owner id; a run is leased by the pool that
will run it (``plan_runs.lease_owner``), and a heartbeat thread renews the leases of the pool's live runs
every ``store.HEARTBEAT_INTERVAL_S``. At start-up and at every heartbeat, runs whose lease lapsed (their
process died) are marked failed (``store.fail_interrupted_runs``); they can be run again. A clean
shutdown fails the pool's own runs that it could not finish.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from stackplan.errors import InputError, StackplanError
from stackplan.service import store
from stackplan.service.db import PlanRun, ScenarioVersion, new_id, utcnow
from stackplan.service.planning import Planner

__all__ = ["JobPool"]

log = logging.getLogger("stackplan.service.jobs")

#: Default number of worker threads (the reference machine has 2 cores).
DEFAULT_WORKERS = 2

#: Most runs waiting in the queue at once; beyond this a new run is refused (HTTP 429).
MAX_QUEUED = 100

#: Smallest interval between two progress writes of one run [s]; the final state is always written.
PROGRESS_INTERVAL_S = 0.25


class QueueFullError(Exception):
    """Too many runs are waiting; try again later."""


class JobPool:
    """A bounded pool of plan workers writing their state to the database."""

    def __init__(
        self, sessions: sessionmaker[Session], planner: Planner, workers: int = DEFAULT_WORKERS
    ) -> None:
        self._sessions = sessions
        self._planner = planner
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="stackplan-plan")
        self._lock = threading.Lock()
        self._pending: set[Future[None]] = set()
        self.workers = workers
        #: This pool's lease owner id (see the module docstring).
        self.owner = new_id()
        self._stop = threading.Event()
        self._heart = threading.Thread(target=self._heartbeat, name="stackplan-lease", daemon=True)
        self._heart.start()

    def _heartbeat(self) -> None:
        while not self._stop.wait(store.HEARTBEAT_INTERVAL_S):
            self.beat()

    def beat(self) -> None:
        """Renew this pool's leases and fail the runs of processes whose lease lapsed."""
        try:
            with self._sessions.begin() as s:
                now = utcnow()
                store.renew_leases(s, self.owner, now)
                store.fail_interrupted_runs(s, now)
        except Exception:  # a database hiccup must not end the heartbeat
            log.exception("renewing plan run leases failed")

    def submit(self, run_id: str) -> None:
        """Queue a run already stored as ``queued``."""
        with self._lock:
            if len(self._pending) >= MAX_QUEUED:
                raise QueueFullError(f"{len(self._pending)} plan runs are waiting; try again in a minute")
            fut = self._pool.submit(self._work, run_id)
            self._pending.add(fut)
        fut.add_done_callback(self._done)

    def _done(self, fut: Future[None]) -> None:
        with self._lock:
            self._pending.discard(fut)

    def pending(self) -> int:
        """Runs queued or running in this process."""
        with self._lock:
            return len(self._pending)

    def wait_idle(self, timeout_s: float = 30.0) -> bool:
        """Wait until no run is pending (tests, shutdown); True when idle."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            if self.pending() == 0:
                return True
            time.sleep(0.02)
        return self.pending() == 0

    def shutdown(self) -> None:
        """Stop taking work; let running jobs finish; fail this pool's runs that were still queued."""
        self._pool.shutdown(wait=True, cancel_futures=True)
        self._stop.set()
        self._heart.join(timeout=5)
        with self._sessions.begin() as s:
            store.fail_interrupted_runs(s, owner=self.owner)

    # ------------------------------------------------------------------------------------ one job
    def _set(self, run_id: str, **values: Any) -> None:
        # only a live run is updated: a run that a newer process marked failed stays failed
        with self._sessions.begin() as s:
            s.execute(
                update(PlanRun)
                .where(PlanRun.id == run_id, PlanRun.status.in_(("queued", "running")))
                .values(**values)
            )

    def _work(self, run_id: str) -> None:
        try:
            with self._sessions() as s:
                row = s.execute(
                    select(PlanRun.scenario_id, PlanRun.scenario_version).where(PlanRun.id == run_id)
                ).one_or_none()
                if row is None:
                    return
                yaml_text = s.scalar(
                    select(ScenarioVersion.yaml_text).where(
                        ScenarioVersion.scenario_id == row.scenario_id,
                        ScenarioVersion.version == row.scenario_version,
                    )
                )
            if yaml_text is None:
                self._set(
                    run_id,
                    status="failed",
                    message="failed",
                    error="scenario version not found",
                    finished_at=utcnow(),
                )
                return
            self._set(run_id, status="running", progress=0.0, message="started")
            last = [0.0]

            def progress(fraction: float, message: str) -> None:
                now = time.monotonic()
                if now - last[0] >= PROGRESS_INTERVAL_S:
                    last[0] = now
                    self._set(run_id, progress=max(0.0, min(1.0, fraction)), message=message[:200])

            result = self._planner.run(yaml_text, progress)
            with self._sessions.begin() as s:  # result and state in one transaction
                done = s.execute(
                    update(PlanRun)
                    .where(PlanRun.id == run_id, PlanRun.status.in_(("queued", "running")))
                    .values(status="succeeded", progress=1.0, message="done", finished_at=utcnow())
                )
                if getattr(done, "rowcount", 0) == 1:
                    s.add(store.result_row(s, run_id, _json_safe(result)))
        except InputError as err:
            self._set(
                run_id, status="failed", message="invalid scenario", error=str(err), finished_at=utcnow()
            )
        except StackplanError as err:
            self._set(run_id, status="failed", message="plan failed", error=str(err), finished_at=utcnow())
        except Exception as err:  # a bug must not kill the worker; the run records it
            log.exception("plan run %s crashed", run_id)
            self._set(
                run_id,
                status="failed",
                message="internal error",
                error=f"{type(err).__name__}: {err}",
                finished_at=utcnow(),
            )


def _json_safe(obj: Any) -> Any:
    """NaN and infinities become null, tuples lists (JSON columns reject non-finite floats)."""
    import math

    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {str(k): _json_safe(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_json_safe(v) for v in obj]
    return obj
