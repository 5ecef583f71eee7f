"""Short sounds made in memory (no files to ship): a chime for a new order,
a click for a good scan, a buzz for a refused one."""

import io
import math
import struct
import wave
from functools import cache

_RATE = 22_050


def _wav(notes: list[tuple[float, float]], volume: float = 0.5, square: bool = False) -> bytes:
    frames = bytearray()
    for frequency, seconds in notes:
        count = int(_RATE * seconds)
        for i in range(count):
            fade = min(1.0, i / 200, (count - i) / 200)  # no clicks at the edges
            phase = math.sin(2 * math.pi * frequency * i / _RATE)
            sample = (1.0 if phase >= 0 else -1.0) * 0.6 if square else phase
            frames += struct.pack("<h", int(32767 * volume * fade * sample))
    out = io.BytesIO()
    with wave.open(out, "wb") as w:
        w.setnchannels(1)
        w.setsampwidth(2)
        w.setframerate(_RATE)
        w.writeframes(bytes(frames))
    return out.getvalue()


@cache
def new_order() -> bytes:
    return _wav([(880, 0.12), (1175, 0.12), (1568, 0.22)])


@cache
def scan_ok() -> bytes:
    return _wav([(1760, 0.06)], volume=0.35)


@cache
def refused() -> bytes:
    return _wav([(196, 0.18), (0, 0.05), (196, 0.25)], volume=0.6, square=True)
