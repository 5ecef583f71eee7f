"""Shared by the benchmarks: databases to run on, a seeded network, latency figures."""

import asyncio
import contextlib
import os
import platform
import statistics
import subprocess
import uuid
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine

from backroom.scratch import scratch_postgres
from oms_core.core import migrate
from oms_core.core.config import Settings
from oms_core.core.db import make_engine

# The server the fresh databases are made on: the tests' own (tests/conftest.py), so that
# tests/test_bench.py runs the benches where it found PostgreSQL.
PG_ADMIN_URL = os.environ.get("BACKROOM_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
KEPT_DATABASE_HELP = ("run on this database and keep it (seeded first if empty): two versions of the code "
                      "compare better on one network, one after the other, than each on a fresh one")


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    cores = subprocess.run(["nproc"], capture_output=True, text=True).stdout.strip()
    return f"{cpu}, {cores} cores, Python {platform.python_version()}"


@contextmanager
def database(engine_name: str, workdir: Path, kept: str | None = None):
    """A fresh, migrated database: a SQLite file or a new PostgreSQL database; or, with
    `kept`, that database's URL, migrated and left in place afterwards."""
    if kept:
        engine = make_engine(Settings(database_url=kept))
        migrate.upgrade(engine)
        engine.dispose()
        yield kept
        return
    if engine_name == "sqlite":
        path = workdir / f"bench-{uuid.uuid4().hex[:8]}.db"
        url = f"sqlite:///{path}"
        migrate.upgrade(make_engine(Settings(database_url=url)))
        try:
            yield url
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        return
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    try:
        with scratch_postgres(admin, "backroom_bench") as url:
            yield url
    finally:
        admin.dispose()


def percentile(values: list[float], p: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    k = max(0, min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1))))
    return ordered[k]


def summary(latencies_ms: list[float]) -> str:
    return (
        f"p50 {percentile(latencies_ms, 50):6.1f} ms  p95 {percentile(latencies_ms, 95):6.1f} ms  "
        f"p99 {percentile(latencies_ms, 99):6.1f} ms  mean {statistics.fmean(latencies_ms):6.1f} ms"
    )


class LeanClient:
    """A minimal HTTP/1.1 keep-alive client on asyncio streams.

    The load generator shares the machine with the server; httpx spends ~3 ms
    of CPU per request, which would be measured as if the server were slower.
    This one spends a few hundred microseconds. JSON in, (status, bytes) out.
    """

    def __init__(self, url: str, headers: dict[str, str]) -> None:
        host_port = url.split("://", 1)[1].rstrip("/")
        self.host, port = host_port.split(":")
        self.port = int(port)
        self.fixed = "".join(f"{k}: {v}\r\n" for k, v in {"Host": host_port, **headers}.items())
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, method: str, path: str, body: bytes = b"") -> tuple[int, bytes]:
        head = (
            f"{method} {path} HTTP/1.1\r\n{self.fixed}"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n"
        ).encode()
        reused = self.writer is not None
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(head + body)
        assert self.reader is not None
        try:
            status_line = await self.reader.readline()
        except ConnectionResetError:
            if not reused:
                raise
            status_line = b""
        if not status_line and reused:  # the server closed the idle connection: once more on a new one
            await self.close()
            self.writer = None
            return await self.request(method, path, body)
        status = int(status_line.split()[1])
        length = 0
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.partition(b":")
            if name.lower() == b"content-length":
                length = int(value)
        return status, await self.reader.readexactly(length)

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(OSError):  # the server reset it first: closed all the same
                await self.writer.wait_closed()


def process_tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children (Linux)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    pending = [pid]
    while pending:
        current = pending.pop()
        try:
            fields = Path(f"/proc/{current}/stat").read_text().rsplit(")", 1)[1].split()
            total += (int(fields[11]) + int(fields[12])) / tick
            children = Path(f"/proc/{current}/task/{current}/children").read_text().split()
        except OSError:
            continue
        pending.extend(int(c) for c in children)
    return total


def postgres_cpu() -> float:
    """CPU seconds used so far by the PostgreSQL server's processes on this machine (Linux):
    its backends run on the same cores as the core and the load generator. Backends that
    have exited count too, through the server's children times (it waits for them)."""
    total = 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            name, fields = stat.read_text().split(" (", 1)[1].rsplit(")", 1)
        except (OSError, ValueError):
            continue
        if name == "postgres":
            values = fields.split()
            total += sum(int(v) for v in values[11:15]) / tick  # utime, stime, cutime, cstime
    return total
