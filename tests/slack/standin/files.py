"""The stand-in's file uploads, as Slack documents them since files.upload was retired
(<https://docs.slack.dev/reference/methods/files.getUploadURLExternal>,
<https://docs.slack.dev/reference/methods/files.completeUploadExternal>), and as slack_sdk's
files_upload_v2 drives them:

1. files.getUploadURLExternal: `filename` and `length` (bytes) required, `alt_txt` optional (at most
   1,000 characters: `alt_txt_too_large`); a `length` of 0 is `missing_argument`. Answers a
   `file_id` and an `upload_url`, here on loopback: ``/upload/v1/<file_id>``.
2. The bytes POSTed to the upload URL (raw, or a multipart form's `file`): HTTP 200 ``OK - <size>``;
   an unknown URL is 404, more bytes than the announced length 413.
3. files.completeUploadExternal: `files` (a JSON array of {"id", "title"}) required; an id not
   issued, or whose bytes never came, is `file_not_found`; with `channel_id` (and maybe `thread_ts`)
   the files are shared there as one message carrying `files` (id, name, title, mimetype, size,
   alt_txt), read back by conversations.history like Slack's file shares.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from .common import ApiError, maybe_json, new_id
from .web_api import WebApi

ALT_LIMIT = 1000


class Files:
    """Mixed into SlackStandin before WebApi: its `_methods` are WebApi's and these two."""

    uploads: dict[str, dict[str, Any]]  # file_id -> {"filename", "length", "alt_txt", "data", "shared"}
    base_url: str

    def _files_get_upload_url_external(self, params: dict[str, Any]) -> dict[str, Any]:
        filename = str(params.get("filename") or "")
        try:
            length = int(params.get("length") or 0)
        except (TypeError, ValueError) as exc:
            raise ApiError("invalid_arguments") from exc
        if not filename or length <= 0:
            raise ApiError("missing_argument")
        alt = params.get("alt_txt")
        if alt is not None and len(str(alt)) > ALT_LIMIT:
            raise ApiError("alt_txt_too_large")
        file_id = new_id("F", 10)
        self.uploads[file_id] = {"filename": filename, "length": length, "alt_txt": alt, "data": None, "shared": []}
        return {"ok": True, "upload_url": f"{self.base_url}/upload/v1/{file_id}", "file_id": file_id}

    async def _handle_upload(self, request: web.Request) -> web.StreamResponse:
        upload = self.uploads.get(request.match_info["file_id"])
        if upload is None:
            return web.Response(status=404, text="not found")
        if request.content_type.startswith("multipart/"):
            form = await request.post()
            field = form.get("file") or form.get("filename")
            data = field.file.read() if hasattr(field, "file") else str(field or "").encode()
        else:
            data = await request.read()
        if len(data) > upload["length"]:
            return web.Response(status=413, text="too large")
        upload["data"] = data
        return web.Response(status=200, text=f"OK - {len(data)}")

    def _files_complete_upload_external(self, params: dict[str, Any]) -> dict[str, Any]:
        files = maybe_json(params.get("files"))
        if not isinstance(files, list) or not files or not all(isinstance(f, dict) and f.get("id") for f in files):
            raise ApiError("invalid_arguments")
        for wanted in files:
            upload = self.uploads.get(str(wanted["id"]))
            if upload is None or upload["data"] is None:
                raise ApiError("file_not_found")
        shared = [self._file_object(str(f["id"]), str(f.get("title") or "")) for f in files]
        channel = params.get("channel_id")
        if channel:
            self._share(str(channel), shared, params)
        return {"ok": True, "files": [{"id": f["id"], "title": f["title"]} for f in shared]}

    def _file_object(self, file_id: str, title: str) -> dict[str, Any]:
        upload = self.uploads[file_id]
        name = upload["filename"]
        return {
            "id": file_id,
            "name": name,
            "title": title or name,
            "mimetype": "image/png" if name.endswith(".png") else "application/octet-stream",
            "filetype": "png" if name.endswith(".png") else "binary",
            "size": len(upload["data"]),
            "alt_txt": upload["alt_txt"],
        }

    def _share(self, channel: str, shared: list[dict[str, Any]], params: dict[str, Any]) -> None:
        """The files shared in the channel: one message of the bot carrying them (and the comment)."""
        channel = self._resolve_channel(channel)  # type: ignore[attr-defined]
        ts = self.new_ts()  # type: ignore[attr-defined]
        message = self._bot_message({"text": params.get("initial_comment") or "", **params}, ts)  # type: ignore[attr-defined]
        message.pop("metadata", None)
        message.update({"files": shared, "upload": True, "display_as_bot": False})
        self.messages[(channel, ts)] = message  # type: ignore[attr-defined]
        for file in shared:
            self.uploads[file["id"]]["shared"].append((channel, ts))

    def shared_files(self, channel: str) -> list[dict[str, Any]]:
        """The files shared in a channel, oldest first, each with its bytes under "data"."""
        found = []
        for (where, _ts), message in sorted(self.messages.items(), key=lambda item: float(item[0][1])):  # type: ignore[attr-defined]
            if where == channel:
                for file in message.get("files") or []:
                    found.append({**file, "data": self.uploads[file["id"]]["data"], "ts": message["ts"]})
        return found

    _methods = {
        **WebApi._methods,
        "files.getUploadURLExternal": _files_get_upload_url_external,
        "files.completeUploadExternal": _files_complete_upload_external,
    }
