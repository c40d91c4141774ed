"""A picture (bot.images.Picture: the weekly recap's chart) as a Matrix m.image.

The PNG goes to the homeserver's media repository (nio `upload`), then an m.image event names it
with its info (mimetype, w, h, size); its `body` is the alternative text, a caption beside
`filename` (spec v1.10, "media captions"). In an encrypted room the file is encrypted before it
is uploaded (AES-CTR, nio `upload(..., encrypt=True)`) and the event carries `file` — the address
with the key, iv and hashes to decrypt it — instead of `url` (spec: "Sending encrypted
attachments"); the event itself is encrypted like any other message of the room.

The event's transaction id is the outbox id: a resend after a crash uploads the file again (an
unused copy stays in the media repository) but does not post the picture twice.
"""

from __future__ import annotations

import io
from typing import Any

from nio import AsyncClient, UploadResponse

from adapters.matrix.errors import delivery_failure
from bot.delivery import TemporaryFailure
from bot.images import Picture


def image_content(picture: Picture, filename: str, mxc: str, keys: dict[str, Any] | None) -> dict[str, Any]:
    """The m.image event's content for an uploaded picture (`keys`: nio's decryption info when encrypted)."""
    width, height = picture.size
    content: dict[str, Any] = {
        "msgtype": "m.image",
        "body": picture.alt,
        "filename": filename,
        "info": {"mimetype": picture.mimetype, "w": width, "h": height, "size": len(picture.png)},
        "m.mentions": {},
    }
    if keys is None:
        content["url"] = mxc
    else:
        content["file"] = {"url": mxc, "mimetype": picture.mimetype, **keys}
    return content


async def upload_picture(client: AsyncClient, room_id: str, picture: Picture, filename: str) -> dict[str, Any]:
    """Upload the picture (encrypted when the room is) and return the m.image content to send."""
    room = client.rooms.get(room_id)
    if room is None:
        raise TemporaryFailure(f"room {room_id} not synced yet: its encryption is not known", retry_after=2.0)
    encrypt = bool(room.encrypted)
    response, keys = await client.upload(
        io.BytesIO(picture.png),
        content_type=picture.mimetype,
        filename=filename,
        encrypt=encrypt,
        filesize=len(picture.png),
    )
    if not isinstance(response, UploadResponse):
        raise delivery_failure(response, f"uploading {filename} for {room_id}")
    return image_content(picture, filename, response.content_uri, keys if encrypt else None)
