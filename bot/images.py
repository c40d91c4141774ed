"""A picture to post beside a message (the weekly recap's chart): PNG bytes and their alternative text.

The core makes the bytes; the adapters only upload them (Slack files, Matrix media) or, where
pictures are not shown (the console), print `note` instead.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
MIMETYPE = "image/png"


@dataclass(frozen=True)
class Picture:
    """`png`: the image; `alt`: the same figures as text (screen readers, a client without images);
    `note`: the line shown instead of the picture where there is none ("[chart: …]"), localised."""

    png: bytes
    alt: str
    note: str = ""

    @property
    def size(self) -> tuple[int, int]:
        return png_size(self.png)

    @property
    def mimetype(self) -> str:
        return MIMETYPE


def png_size(data: bytes) -> tuple[int, int]:
    """(width, height) read from a PNG's header chunk; ValueError if it is not a PNG."""
    if len(data) < 24 or not data.startswith(PNG_SIGNATURE) or data[12:16] != b"IHDR":
        raise ValueError("not a PNG image")
    width, height = struct.unpack(">II", data[16:24])
    return int(width), int(height)
