"""The spool: Slack's requests written to a local file and flushed to disk before Slack is told they arrived.

Slack does not send again what it saw acknowledged; a request acknowledged and then lost with the process
(`kill -9`, out of memory, a power cut) before Relais committed its work would be lost for good, the member
having seen no error. So each request is appended here and the file is fsync'd *before* the acknowledgement
leaves (several requests share one fsync: `add` them, then `sync` once); once its work is committed, Relais
marks it done. At the next start, what is not marked done is run again, once: Slack's ids (trigger_id,
event_id) make a second run of work already committed a no-op (bot.dedup, the dispatcher).

The file: records of a 4-byte big-endian length, then JSON, appended: a request `{"s": id, ...}`, or
`{"done": id}`. A torn last record (the process died while writing it) was never acknowledged: it is cut.
Once nothing is pending the file is emptied; at start it is rewritten with the pending requests only.

Standard library only, no typing: the HTTP front (adapters/slack/front.py) imports it as a sibling module.
"""

from __future__ import annotations

import json
import os
import struct

HEADER = struct.Struct(">I")
EMPTIED_FROM = 256 * 1024  # bytes: a file with nothing pending is emptied once this large


def encode(record: dict[str, object]) -> bytes:
    data = json.dumps(record, separators=(",", ":")).encode()
    return HEADER.pack(len(data)) + data


def read_records(data: bytes) -> tuple[list[dict[str, object]], int]:
    """The complete records at the start of `data`, and where they end (a torn or unreadable rest is left)."""
    records, at = [], 0
    while at + HEADER.size <= len(data):
        size = HEADER.unpack_from(data, at)[0]
        end = at + HEADER.size + size
        if end > len(data):
            break
        try:
            record = json.loads(data[at + HEADER.size : end])
        except ValueError:
            break
        if not isinstance(record, dict):
            break
        records.append(record)
        at = end
    return records, at


class Spool:
    """One process writes a spool file (the HTTP front, or Relais in Socket Mode); `pending` is what is not done."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.pending: dict[str, dict[str, object]] = {}  # id -> request, oldest first
        try:
            with open(path, "rb") as file:
                data = file.read()
        except FileNotFoundError:
            data = b""
        records, _end = read_records(data)
        for record in records:
            if "done" in record:
                self.pending.pop(str(record["done"]), None)
            elif "s" in record:
                self.pending[str(record["s"])] = record
        if data:  # what is pending, alone, replaces the file at once (a torn tail cut, done requests forgotten)
            temporary = path + ".new"
            with open(temporary, "wb") as file:
                file.write(b"".join(encode(record) for record in self.pending.values()))
                file.flush()
                os.fsync(file.fileno())
            os.replace(temporary, path)
        self.fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        self.size = os.fstat(self.fd).st_size
        self.unsynced = False
        self.marks = bytearray()  # done marks not yet written: they go with the next write
        if data:
            directory = os.open(os.path.dirname(os.path.abspath(path)), os.O_RDONLY)
            try:
                os.fsync(directory)  # the rename is on disk too
            finally:
                os.close(directory)

    def add(self, record: dict[str, object], data: bytes = b"") -> None:
        """Written (not yet on disk: `sync`); `record["s"]` is its id, `data` its encoding if made already."""
        self._write(data or encode(record))
        self.pending[str(record["s"])] = record
        self.unsynced = True

    def sync(self) -> None:
        """What was added is on disk: the acknowledgements may leave."""
        if self.unsynced:
            os.fsync(self.fd)
            self.unsynced = False

    def synced(self) -> bool:
        """`sync`; False if it failed (the disk is full, or failing)."""
        try:
            self.sync()
        except OSError:
            return False
        return True

    def done(self, identifier: str) -> None:
        """Its work is committed: not run again at the next start. Written with the next write (`write_marks`),
        not flushed: a mark lost makes the next start run it again, a no-op."""
        if self.pending.pop(identifier, None) is None:
            return
        if not self.pending and not self.unsynced and self.size + len(self.marks) + 64 >= EMPTIED_FROM:
            os.ftruncate(self.fd, 0)  # nothing pending: nothing to keep
            self.size = 0
            self.marks.clear()
            return
        self.marks += encode({"done": identifier})

    def write_marks(self) -> None:
        if self.marks:
            try:
                self._write(b"")
            except OSError:  # (the disk is full: those requests are run again at the next start, a no-op)
                pass

    def _write(self, data: bytes) -> None:
        if self.marks:  # one write for the marks waiting and this record
            data, self.marks = bytes(self.marks) + data, bytearray()
        view = memoryview(data)
        try:
            while view:
                view = view[os.write(self.fd, view) :]
        except OSError:  # (a full disk) part of it written: cut back, or every record after it would be unreadable
            try:
                os.ftruncate(self.fd, self.size)
            except OSError:
                pass
            raise
        self.size += len(data)

    def close(self) -> None:
        if self.fd >= 0:
            self.write_marks()
            os.close(self.fd)
            self.fd = -1
