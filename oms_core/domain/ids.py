"""Identifiers: UUIDv7 (time ordered), so devices and the core can both name things.

Within one process ids also sort in creation order inside the same millisecond
(RFC 9562 method 1: the 12-bit rand_a field is a counter).
"""

import os
import threading
import time
import uuid

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> str:
    global _last_ms, _counter
    with _lock:
        unix_ms = time.time_ns() // 1_000_000
        if unix_ms <= _last_ms:
            _counter += 1
            if _counter > 0x0FFF:  # counter spent: borrow the next millisecond
                _last_ms += 1
                _counter = 0
            unix_ms = _last_ms
        else:
            _last_ms = unix_ms
            _counter = int.from_bytes(os.urandom(2), "big") & 0x01FF  # leave room to count up
        counter = _counter
    rand_b = int.from_bytes(os.urandom(8), "big") & ((1 << 62) - 1)
    value = (unix_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | counter << 64 | 0b10 << 62 | rand_b
    return str(uuid.UUID(int=value))
