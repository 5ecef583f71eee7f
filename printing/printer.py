"""Network thermal printers on raw TCP port 9100 (JetDirect), as Zebra and most
label printers speak it: connect, send the bytes, close. The printer answers
nothing, so every step has a deadline and the associate gets a plain sentence
instead of a frozen screen."""

import socket
import time
from dataclasses import dataclass


class PrinterError(Exception):
    """The label did not (or may not) reach the printer; the message says why, for the associate."""


@dataclass(frozen=True)
class Printer:
    # An IP address: the timeout covers connecting and sending, not a slow DNS lookup.
    host: str
    port: int = 9100
    timeout_s: float = 3.0  # for the whole job: connecting and sending

    def __str__(self) -> str:
        return f"{self.host}:{self.port}"


def _connect(printer: Printer) -> socket.socket:
    try:
        return socket.create_connection((printer.host, printer.port), timeout=printer.timeout_s)
    except TimeoutError:
        raise PrinterError(f"printer {printer} did not answer within {printer.timeout_s:g} s") from None
    except ConnectionRefusedError:
        raise PrinterError(f"printer {printer} refused the connection: is it on, "
                           f"and is port {printer.port} the right one?") from None
    except OSError as exc:  # unknown host, no route, network down...
        raise PrinterError(f"printer {printer} cannot be reached: {exc.strerror or exc}") from None


def check_printer(printer: Printer) -> None:
    """Raise PrinterError unless the printer takes a connection (sends nothing)."""
    _connect(printer).close()


def send_to_printer(printer: Printer, data: bytes) -> None:
    """Send raw bytes (ZPL) to the printer, all within its timeout, or raise PrinterError."""
    deadline = time.monotonic() + printer.timeout_s
    with _connect(printer) as connection:
        # What connecting took comes off the time left to send (sendall's timeout is its total).
        connection.settimeout(max(deadline - time.monotonic(), 0.001))
        try:
            connection.sendall(data)
        except TimeoutError:
            raise PrinterError(f"printer {printer} stopped taking data within {printer.timeout_s:g} s; "
                               "the label may be partly printed") from None
        except OSError as exc:
            raise PrinterError(f"printer {printer} dropped the connection while printing: "
                               f"{exc.strerror or exc}") from None
