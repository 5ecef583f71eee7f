"""The core as a real server process, for tests, benchmarks and the demo.

Readiness is read from the server's own log ("Application startup complete"
once per worker), never guessed with sleeps.
"""

import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    log: list[str]


@contextmanager
def core_server(
    database_url: str, workers: int = 1, port: int | None = None, timeout: float = 60, env: dict | None = None
) -> Iterator[Server]:
    port = port or free_port()
    env = {**os.environ, "BACKROOM_DATABASE_URL": database_url, "BACKROOM_LOG_LEVEL": "WARNING", **(env or {})}
    process = subprocess.Popen(
        [sys.executable, "-m", "backroom", "core", "--port", str(port), "--workers", str(workers), "--no-migrate"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    log: list[str] = []
    ready = threading.Event()

    def read() -> None:
        started = 0
        for line in process.stderr:  # type: ignore[union-attr]
            log.append(line)
            if "Application startup complete" in line:
                started += 1
                if started == workers:
                    ready.set()
        ready.set()  # the process ended: let the waiter see it

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(timeout) or process.poll() is not None:
            raise RuntimeError("core did not start:\n" + "".join(log[-40:]))
        yield Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
