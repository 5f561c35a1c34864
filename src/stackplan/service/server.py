"""Serving the app: one process, or several processes sharing the port.

With ``processes > 1`` each process opens its own listening socket on the same address with
``SO_REUSEPORT``, so the kernel spreads new connections evenly across them (a single shared socket lets
whichever process wakes first accept a burst of connections, which leaves one process with most
long-lived keep-alive clients). Processes share the database safely: plan runs are leased (``jobs.py``).
"""

from __future__ import annotations

import multiprocessing
import signal
import socket
from types import FrameType
from typing import Any

__all__ = ["SERVER_OPTIONS", "serve"]

#: uvicorn options used for every process [s for the keep-alive timeout].
SERVER_OPTIONS: dict[str, Any] = {"log_level": "info", "proxy_headers": False, "timeout_keep_alive": 30}

#: Pending connections a listening socket queues (uvicorn's default).
BACKLOG = 2048


def serve(url: str, host: str, port: int, *, processes: int, workers: int, access_log: bool) -> None:
    """Serve until interrupted; ``workers`` plan threads per process."""
    import uvicorn

    from stackplan.service.app import create_app

    options = {**SERVER_OPTIONS, "host": host, "port": port, "access_log": access_log}
    if processes == 1:
        uvicorn.run(create_app(url, workers=workers), **options)
        return
    _listen(host, port).close()  # fail here, once, when the address is taken
    ctx = multiprocessing.get_context("spawn")
    children = [
        ctx.Process(target=_child, args=(url, workers, options), name=f"stackplan-http-{i}")
        for i in range(processes)
    ]
    for child in children:
        child.start()

    def stop(_signum: int, _frame: FrameType | None) -> None:
        for child in children:
            if child.is_alive():
                child.terminate()  # SIGTERM: uvicorn shuts down gracefully (runs finish, leases released)

    previous = {sig: signal.signal(sig, stop) for sig in (signal.SIGTERM, signal.SIGINT)}
    try:
        for child in children:
            child.join()
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def _listen(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEPORT, 1)
    sock.bind((host, port))
    sock.listen(BACKLOG)
    return sock


def _child(url: str, workers: int, options: dict[str, Any]) -> None:
    import uvicorn

    from stackplan.service.app import create_app

    sock = _listen(options["host"], options["port"])
    config = uvicorn.Config(create_app(url, workers=workers), **options)
    uvicorn.Server(config).run(sockets=[sock])
