"""Raw port 9100 printing against real sockets on 127.0.0.1: the bytes arrive
whole, and a dead or stuck printer costs the associate the timeout, no more."""

import socket
import threading
import time

import pytest

from printing import Printer, PrinterError, check_printer, send_to_printer


def test_the_printer_receives_exactly_the_bytes(fake_printer):
    printer, received = fake_printer
    job = b"^XA^FO10,10^A0N,30,30^FH_^FDZo_C3_AB^FS^XZ\n" * 5000 + bytes(range(256))
    send_to_printer(printer, job)
    assert received.get(timeout=5) == job


def test_status_check_connects_and_sends_nothing(fake_printer):
    printer, received = fake_printer
    check_printer(printer)
    assert received.get(timeout=5) == b""


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_closed_port_fails_at_once_with_a_sentence():
    printer = Printer("127.0.0.1", _closed_port(), timeout_s=3)
    for attempt in (check_printer, lambda p: send_to_printer(p, b"^XA^XZ")):
        started = time.monotonic()
        with pytest.raises(PrinterError, match=rf"printer 127\.0\.0\.1:{printer.port} refused the connection"):
            attempt(printer)
        assert time.monotonic() - started < 1


def test_printer_that_never_reads_costs_only_the_timeout():
    """Accepts, never reads: once the socket buffers fill, sending must give up on time."""
    release = threading.Event()
    with socket.socket() as listener:
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        listener.bind(("127.0.0.1", 0))
        listener.listen(1)

        def accept_and_stall() -> None:
            connection, _ = listener.accept()
            release.wait(10)
            connection.close()

        threading.Thread(target=accept_and_stall, daemon=True).start()
        printer = Printer("127.0.0.1", listener.getsockname()[1], timeout_s=0.5)
        started = time.monotonic()
        try:
            with pytest.raises(PrinterError, match=r"stopped taking data within 0\.5 s"):
                send_to_printer(printer, b"x" * 64_000_000)  # far more than any socket buffer
        finally:
            release.set()
        assert time.monotonic() - started < 1.5


def test_printer_that_never_answers_costs_only_the_timeout():
    """A listener whose accept queue is full drops new connection requests, as an
    unplugged printer's address would: connecting must give up on time."""
    with socket.socket() as listener:
        listener.bind(("127.0.0.1", 0))
        listener.listen(0)
        address = listener.getsockname()
        fillers = []
        try:
            for _ in range(8):  # Linux queues backlog + 1 before it starts dropping
                filler = socket.socket()
                fillers.append(filler)
                filler.settimeout(0.2)
                try:
                    filler.connect(address)
                except TimeoutError:
                    break
            else:
                pytest.skip("this system never drops connection requests to a full queue")
            printer = Printer(*address, timeout_s=0.5)
            started = time.monotonic()
            with pytest.raises(PrinterError, match=rf"printer 127\.0\.0\.1:{address[1]} did not answer within 0\.5 s"):
                check_printer(printer)
            assert time.monotonic() - started < 1.5
        finally:
            for filler in fillers:
                filler.close()
