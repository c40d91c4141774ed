"""The recap chart's drawing, in a process of its own that stops when it has nothing to draw.

Pillow, once it has drawn and written a PNG, holds 6 to 8.5 MB of the process that drew it for as long
as that process lives (its imaging and FreeType libraries, the PNG writer): a running Relais draws a
chart once a week per circle (and for /digest), then would hold them for nothing. So the main process
never imports Pillow: `Drawer` starts `python -m bot.posts.chart_draw` when a chart is wanted, hands it
what to draw (texts already translated, numbers, colours), and the drawer stops after `IDLE` seconds
without a chart (a recap round draws all its circles' charts with one drawer).

Frames on its standard input and output: 4-byte big-endian length, then JSON (a chart to draw) or, back,
one byte ("P": the PNG follows, "I": Pillow is not installed, "E": the error follows) and its data.
"""

from __future__ import annotations

import io
import json
import os
import select
import struct
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, BinaryIO

FONT = Path(__file__).resolve().parents[1] / "fonts" / "DejaVuSans-Latin.ttf"
WIDTH, HEIGHT = 640, 250
INK, TRACK, PAPER = "#1A1A1A", "#E3E3E3", "#FFFFFF"
LABELS, BAR_X, BAR_WIDTH, ROW = 20, 270, 290, 40
IDLE = 60.0  # seconds without a chart before the drawer stops
ANSWER_WITHIN = 60.0  # seconds for a chart (the drawer's start included)


def draw(spec: dict[str, Any]) -> bytes:
    """The PNG of one chart: a title, bars with their labels and numbers, the reading level's bar."""
    from PIL import Image, ImageDraw, ImageFont

    title_font, font = (ImageFont.truetype(str(FONT), size) for size in (20, 15))
    image = Image.new("RGB", (WIDTH, HEIGHT), PAPER)
    pen = ImageDraw.Draw(image)
    pen.text((LABELS, 14), spec["title"], fill=INK, font=title_font)
    rows = spec["rows"]
    top = max([value for _label, value, _colour in rows] + [1])
    for index, (label, value, colour) in enumerate(rows):
        y = 58 + ROW * index
        pen.text((LABELS, y + 3), label, fill=INK, font=font)
        length = round(BAR_WIDTH * value / top)
        if length:
            pen.rectangle((BAR_X, y, BAR_X + length, y + 22), fill=colour)
        pen.text((BAR_X + length + 8, y + 3), str(value), fill=INK, font=font)
    y = 58 + ROW * len(rows) + 12
    pen.text((LABELS, y + 3), spec["reading"], fill=INK, font=font)
    pen.rectangle((BAR_X, y, BAR_X + BAR_WIDTH, y + 22), fill=TRACK)
    if spec["total"]:
        pen.rectangle((BAR_X, y, BAR_X + round(BAR_WIDTH * spec["acked"] / spec["total"]), y + 22), fill=spec["colour"])
    pen.text((BAR_X + BAR_WIDTH + 8, y + 3), spec["share"], fill=INK, font=font)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def write_frame(stream: BinaryIO, data: bytes) -> None:
    """One frame: its length (4 bytes, big-endian), then `data`."""
    stream.write(struct.pack(">I", len(data)) + data)
    stream.flush()


def read_frame(stream: BinaryIO) -> bytes:
    """One frame's data; EOFError when the other end closed first."""
    head = stream.read(4)
    if len(head) < 4:
        raise EOFError("the other end closed")
    size = struct.unpack(">I", head)[0]
    data = stream.read(size)
    if len(data) < size:
        raise EOFError("the other end closed")
    return data


def serve(idle: float) -> None:
    """The drawer: a chart for each frame read, until `idle` seconds pass without one (or Relais goes)."""
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while select.select([stdin], [], [], idle)[0]:
        try:
            spec = json.loads(read_frame(stdin))
        except EOFError:
            return
        try:
            answer = b"P" + draw(spec)
        except ImportError:
            answer = b"I"
        except Exception as error:  # reported, and the next chart is still drawn
            answer = b"E" + repr(error).encode()
        write_frame(stdout, answer)


class Drawer:
    """The main process's side: starts the drawer when needed, again if it stopped."""

    def __init__(self, idle: float = IDLE) -> None:
        self.idle = idle
        self.process: subprocess.Popen[bytes] | None = None
        self.lock = threading.Lock()  # charts are drawn from threads (database work)
        self.spent = 0.0  # CPU seconds of the drawers that stopped (their successor's are read live)

    def draw(self, spec: dict[str, Any]) -> bytes:
        """The PNG; ImportError when Pillow is not installed, RuntimeError when the drawing failed."""
        if os.name != "posix":  # select() on pipes and os.wait4 are POSIX: drawn here
            return draw(spec)
        with self.lock:
            try:
                answer = self._ask(spec)
            except (EOFError, OSError, TimeoutError):  # it had just stopped (idle) or died: once more
                self.close()
                answer = self._ask(spec)
        if answer[:1] == b"P":
            return answer[1:]
        if answer[:1] == b"I":
            raise ImportError("No module named 'PIL'")
        raise RuntimeError(answer[1:].decode(errors="replace"))

    def _ask(self, spec: dict[str, Any]) -> bytes:
        process = self.process
        if process is not None and self._reap(os.WNOHANG):  # stopped after its idle time
            self.close()
            process = None
        if process is None:
            command = [sys.executable, "-m", "bot.posts.chart_draw", str(self.idle)]
            root = str(Path(__file__).resolve().parents[2])  # the drawer runs the same code as this process
            env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [root, os.environ.get("PYTHONPATH")]))}
            process = self.process = subprocess.Popen(
                command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env, cwd=root
            )
        assert process.stdin is not None and process.stdout is not None
        write_frame(process.stdin, json.dumps(spec).encode())  # type: ignore[arg-type]
        if not select.select([process.stdout], [], [], ANSWER_WITHIN)[0]:
            raise TimeoutError("the chart drawer did not answer")
        return read_frame(process.stdout)  # type: ignore[arg-type]

    def cpu_seconds(self) -> float:
        """CPU time its drawers spent, the running one's included (benchmarks count it with the work
        that asked for the charts: bench/cpu.py)."""
        process = self.process
        if process is None or process.returncode is not None:
            return self.spent
        try:
            with open(f"/proc/{process.pid}/stat", encoding="ascii") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except OSError:  # not Linux
            return self.spent
        return self.spent + (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def _reap(self, options: int) -> bool:
        """Whether the drawer has stopped; its CPU time is then added to `spent` (os.wait4's usage)."""
        process = self.process
        if process is None or process.returncode is not None:
            return True
        pid, status, usage = os.wait4(process.pid, options)
        if not pid:
            return False
        process.returncode = os.waitstatus_to_exitcode(status)  # reaped here: Popen must not wait again
        self.spent += usage.ru_utime + usage.ru_stime
        return True

    def close(self) -> None:
        process = self.process
        if process is None:
            return
        if not self._reap(os.WNOHANG):
            process.kill()
            self._reap(0)
        self.process = None
        for stream in (process.stdin, process.stdout):
            if stream is not None:
                stream.close()


if __name__ == "__main__":
    serve(float(sys.argv[1]) if len(sys.argv) > 1 else IDLE)
