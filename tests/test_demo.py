"""`backroom demo` (what `make demo` runs) as someone trying Backroom would: it comes up,
says where to go and how to sign in, orders stream in, and Ctrl+C stops it cleanly."""

import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time

import httpx

from backroom.process import free_port


def _lines(stream, into: "queue.Queue[str]") -> None:  # noqa: ANN001
    for line in stream:
        into.put(line)


def _wait_for(lines: "queue.Queue[str]", said: list[str], pattern: str, seconds: float) -> str:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            break
        said.append(line)
        if re.search(pattern, line):
            return line
    raise AssertionError(f"the demo never said {pattern!r}:\n" + "".join(said[-40:]))


def test_the_demo_comes_up_with_orders_waiting_streams_more_and_stops_on_ctrl_c(tmp_path):
    core_port, app_port = free_port(), free_port()
    while app_port == core_port:  # nothing holds the first port yet: it can come back
        app_port = free_port()
    demo = subprocess.Popen(
        [sys.executable, "-m", "backroom", "demo", "--port", str(core_port), "--app-port", str(app_port),
         "--data-dir", str(tmp_path / "demo"), "--orders-per-minute", "600"],
        env={**os.environ, "PYTHONUNBUFFERED": "1"}, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    out: queue.Queue[str] = queue.Queue()
    errors: list[str] = []
    threading.Thread(target=_lines, args=(demo.stdout, out), daemon=True).start()
    threading.Thread(target=lambda: errors.extend(demo.stderr), daemon=True).start()
    said: list[str] = []
    try:
        _wait_for(out, said, rf"Store app\s+http://127\.0\.0\.1:{app_port}\s.*sign in as PAR-01 / S001 / 1234", 120)
        for _ in range(4):  # the tablet has work waiting when it opens, before the stream's first order
            _wait_for(out, said, r"new \w+ order DEMO-PAR01-\w+ -> PAR-01$", 60)
        _wait_for(out, said, r"new \w+ order DEMO-[WAM]\d+ -> ", 60)
        assert httpx.get(f"http://127.0.0.1:{app_port}/", timeout=10).status_code == 200
        signed_in = httpx.post(f"http://127.0.0.1:{core_port}/api/v1/auth/token", timeout=10,
                               json={"store": "PAR-01", "staff": "S001", "pin": "1234"})
        assert signed_in.status_code == 200, signed_in.text
    finally:
        demo.send_signal(signal.SIGINT)  # what Ctrl+C in the terminal sends
        status = demo.wait(timeout=30)
    _wait_for(out, said, r"^Demo stopped\.$", 5)
    assert status == 0 and "Traceback" not in "".join(errors), "".join(errors)[-3000:]
