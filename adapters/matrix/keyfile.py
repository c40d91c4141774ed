"""The file holding Relais' cross-signing private keys: 0600, written atomically, checked on read."""

from __future__ import annotations

import json
import logging
import os
import stat
from pathlib import Path

from adapters.matrix.cross_signing import CrossSigningKeys

log = logging.getLogger(__name__)


def default_key_file(store_path: str) -> Path:
    """Beside the crypto store, not in it: a crypto store deleted or reset keeps Relais' identity."""
    store = Path(store_path).expanduser()
    return store.parent / f"{store.name}.cross-signing.json"


def load_keys(path: Path, user_id: str) -> CrossSigningKeys | None:
    """The keys in `path` (None when there is no file); ValueError when it is not Relais' key file."""
    try:
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        log.warning("%s could be read by other accounts on this machine: its rights are set to 0600", path)
        path.chmod(0o600)
    data = json.loads(path.read_text(encoding="utf-8"))
    if data.get("user_id") != user_id:
        raise ValueError(f"{path} holds the keys of {data.get('user_id')}, not of {user_id}")
    return CrossSigningKeys.from_json(data)


def save_keys(path: Path, user_id: str, keys: CrossSigningKeys) -> None:
    """Write the keys readable by Relais' own account only (the directory is created if needed)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(path.name + ".new")
    try:
        descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(descriptor, "w", encoding="utf-8") as out:
            json.dump({"user_id": user_id, **keys.to_json()}, out)
            out.flush()
            os.fsync(out.fileno())
        os.chmod(temporary, 0o600)  # an older file of that name kept its rights through O_CREAT
        os.replace(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)  # a failed write leaves no half file
