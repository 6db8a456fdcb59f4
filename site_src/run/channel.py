"""The report channel from a lesson's child process to its parent: framed JSON over a pipe.

The parent opens a pipe before the child starts and hands the child only its write end,
as an inherited file descriptor. The child sends one frame per event — a block starts,
a block ended (with its raw facts), the lesson is done — and the parent, outside the
sandbox, judges the lesson from those frames. Nothing in the lesson's writable working
directory is read back as a verdict.

A frame is a 4-byte big-endian length, then that many bytes of UTF-8 JSON (an object
with a ``type``). The parent reads frames with a size cap, so a child cannot make it
buffer without bound.
"""

from __future__ import annotations

import json
import os
import struct

HEADER = struct.Struct(">I")
MAX_FRAME = 16 * 1024 * 1024  # a block's two capped streams, its error and figure names fit well within


class ChannelError(Exception):
    """The child broke the framing: a frame too large, or not a JSON object with a type."""


def encode(message: dict) -> bytes:
    data = json.dumps(message, ensure_ascii=False).encode("utf-8")
    return HEADER.pack(len(data)) + data


def send(fd: int, message: dict) -> None:
    """Write one frame to `fd` in full (a pipe may take a large frame in several writes)."""
    view = memoryview(encode(message))
    while view:
        view = view[os.write(fd, view):]


class FrameReader:
    """Turns the bytes the parent reads from the pipe into messages, frame by frame."""

    def __init__(self, max_frame: int = MAX_FRAME):
        self.max_frame = max_frame
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[dict]:
        self._buffer += data
        messages = []
        while len(self._buffer) >= HEADER.size:
            (length,) = HEADER.unpack_from(self._buffer)
            if length > self.max_frame:
                raise ChannelError(f"a report of {length:,} bytes, over the limit of {self.max_frame:,}")
            if len(self._buffer) < HEADER.size + length:
                break
            payload = bytes(self._buffer[HEADER.size:HEADER.size + length])
            del self._buffer[:HEADER.size + length]
            messages.append(_decode(payload))
        return messages

    @property
    def pending(self) -> int:
        """Bytes of an unfinished frame (the child stopped in the middle of one)."""
        return len(self._buffer)


def _decode(payload: bytes) -> dict:
    try:
        message = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ChannelError(f"a report that is not JSON ({error})") from None
    except RecursionError:  # the decoder's own depth guard: a frame of 100,000 nested brackets
        raise ChannelError("a report nested too deeply to read") from None
    if not isinstance(message, dict) or not isinstance(message.get("type"), str):
        raise ChannelError("a report that is not an object with a `type`")
    return message
