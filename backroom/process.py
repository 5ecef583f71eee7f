"""The core and the store app as real server processes, for tests, benchmarks
and the demo.

Readiness is read from the server's own log (uvicorn's "Uvicorn running on"
once the socket is bound, and "Application startup complete" once per
worker), never guessed with sleeps.
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
    database_url: str, workers: int = 1, port: int | None = None, timeout: float = 60, env: dict | None = None,
    listening: socket.socket | None = None,
) -> Iterator[Server]:
    """The core on `port`, or on the `listening` socket handed to it as systemd's socket activation does."""
    if listening is not None:
        port, where = listening.getsockname()[1], ["--fd", str(listening.fileno())]
    else:
        port = port or free_port()
        where = ["--port", str(port)]
    with _serve(
        [sys.executable, "-m", "backroom", "core", *where, "--workers", str(workers), "--no-migrate"],
        {"BACKROOM_DATABASE_URL": database_url, "BACKROOM_LOG_LEVEL": "WARNING", **(env or {})},
        port, workers, timeout, pass_fds=(listening.fileno(),) if listening is not None else (),
    ) as server:
        yield server


@contextmanager
def store_app_server(core_url: str, data_dir: str, port: int | None = None, timeout: float = 60) -> Iterator[Server]:
    port = port or free_port()
    with _serve(
        [sys.executable, "-m", "backroom", "app", "--web", "--core", core_url, "--port", str(port),
         "--data-dir", data_dir],
        {"FLET_FORCE_WEB_SERVER": "1"}, port, 1, timeout,
    ) as server:
        yield server


@contextmanager
def _serve(command: list[str], env: dict, port: int, workers: int, timeout: float,
           pass_fds: tuple[int, ...] = ()) -> Iterator[Server]:
    process = subprocess.Popen(
        command, env={**os.environ, **env}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        pass_fds=pass_fds,
    )
    log: list[str] = []
    ready = threading.Event()

    def read() -> None:
        started, listening = 0, False
        for line in process.stderr:  # type: ignore[union-attr]
            log.append(line)
            started += "Application startup complete" in line
            listening = listening or "Uvicorn running on" in line
            if listening and started >= workers:
                ready.set()
        ready.set()  # the process ended: let the waiter see it

    threading.Thread(target=read, daemon=True).start()
    try:
        if not ready.wait(timeout) or process.poll() is not None:
            raise RuntimeError(f"{command[3]} did not start:\n" + "".join(log[-40:]))
        yield Server(url=f"http://127.0.0.1:{port}", process=process, log=log)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
