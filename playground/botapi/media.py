"""Files the bot and its users upload: image sizes, PhotoSize lists, file ids, the store."""

from __future__ import annotations

import itertools
import secrets
import struct
from dataclasses import dataclass, field
from typing import Any

from .errors import ApiError, bad_request
from .params import Upload

MAX_PHOTO_BYTES = 10 * 1024 * 1024
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
# Telegram keeps a photo in several sizes: thumbnails with these longest sides, and the
# photo itself scaled to at most 1280 (2560 for bigger originals).
_THUMBNAIL_SIDES = (90, 320, 800)


def image_size(data: bytes) -> tuple[int, int] | None:
    """Width and height from a PNG, JPEG, GIF or WebP header; None if not an image."""
    if data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) >= 24 and data[12:16] == b"IHDR":
        width, height = struct.unpack(">II", data[16:24])
        return int(width), int(height)
    if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
        width, height = struct.unpack("<HH", data[6:10])
        return int(width), int(height)
    if data.startswith(b"\xff\xd8"):
        return _jpeg_size(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return _webp_size(data)
    return None


def _jpeg_size(data: bytes) -> tuple[int, int] | None:
    i = 2
    while i + 9 < len(data):
        if data[i] != 0xFF:
            i += 1
            continue
        marker = data[i + 1]
        if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7 or marker == 0xFF:
            i += 1 if marker == 0xFF else 2
            continue
        length = struct.unpack(">H", data[i + 2 : i + 4])[0]
        if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
            height, width = struct.unpack(">HH", data[i + 5 : i + 9])
            return int(width), int(height)
        i += 2 + length
    return None


def _webp_size(data: bytes) -> tuple[int, int] | None:
    chunk = data[12:16]
    if chunk == b"VP8X" and len(data) >= 30:
        width = 1 + int.from_bytes(data[24:27], "little")
        height = 1 + int.from_bytes(data[27:30], "little")
        return width, height
    if chunk == b"VP8 " and len(data) >= 30:
        width, height = struct.unpack("<HH", data[26:30])
        return int(width) & 0x3FFF, int(height) & 0x3FFF
    if chunk == b"VP8L" and len(data) >= 25:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None


def new_file_ids(kind: str) -> tuple[str, str]:
    """A fresh (file_id, file_unique_id) pair that looks like Telegram's."""
    prefix, unique_prefix = {
        "photo": ("AgACAgIAAxkBAAI", "AQAD"),
        "document": ("BQACAgIAAxkBAAI", "AgAD"),
    }.get(kind, ("CAACAgIAAxkBAAI", "AgAD"))
    return prefix + secrets.token_urlsafe(30), unique_prefix + secrets.token_urlsafe(9)


def _scaled(width: int, height: int, side: int) -> tuple[int, int]:
    longest = max(width, height)
    if longest <= side:
        return width, height
    factor = side / longest
    return max(1, round(width * factor)), max(1, round(height * factor))


@dataclass
class StoredFile:
    """A file the bot uploaded (or a user sent), with everything Telegram reports about it."""

    kind: str
    data: bytes
    file_id: str
    file_unique_id: str
    file_path: str
    file_name: str | None = None
    mime_type: str | None = None
    width: int = 0
    height: int = 0
    photo_sizes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def file_size(self) -> int:
        return len(self.data)

    def document_api(self) -> dict[str, Any]:
        """The Document object for a message."""
        document: dict[str, Any] = {
            "file_id": self.file_id,
            "file_unique_id": self.file_unique_id,
            "file_size": self.file_size,
        }
        if self.file_name:
            document["file_name"] = self.file_name
        if self.mime_type:
            document["mime_type"] = self.mime_type
        return document


def make_photo(data: bytes, file_path: str) -> tuple[StoredFile, list[tuple[str, str]]]:
    """Store an uploaded photo: validate it and make its PhotoSize list.

    Returns the file and the ids of every size (each size has its own file_id, all of them
    resolve to the same bytes).
    """
    if not data:
        raise bad_request("file must be non-empty")
    if len(data) > MAX_PHOTO_BYTES:
        raise bad_request("PHOTO_SAVE_FILE_INVALID")
    size = image_size(data)
    if size is None:
        raise bad_request("IMAGE_PROCESS_FAILED")
    width, height = size
    if (
        width <= 0
        or height <= 0
        or width + height > 10000
        or max(width, height) > 20 * min(width, height)
    ):
        raise bad_request("PHOTO_INVALID_DIMENSIONS")
    sides = [side for side in _THUMBNAIL_SIDES if side < max(width, height)]
    sides.append(2560 if max(width, height) > 1280 else 1280)
    sizes: list[dict[str, Any]] = []
    ids: list[tuple[str, str]] = []
    for side in sides:
        w, h = _scaled(width, height, side)
        file_id, unique_id = new_file_ids("photo")
        ids.append((file_id, unique_id))
        estimate = (
            len(data) if side == sides[-1] else max(1, len(data) * w * h // (width * height))
        )
        sizes.append(
            {
                "file_id": file_id,
                "file_unique_id": unique_id,
                "width": w,
                "height": h,
                "file_size": estimate,
            }
        )
    largest_id, largest_unique = ids[-1]
    stored = StoredFile(
        kind="photo",
        data=data,
        file_id=largest_id,
        file_unique_id=largest_unique,
        file_path=file_path,
        mime_type="image/jpeg",
        width=sizes[-1]["width"],
        height=sizes[-1]["height"],
        photo_sizes=sizes,
    )
    return stored, ids


def make_document(
    data: bytes, file_path: str, file_name: str | None, mime_type: str | None
) -> StoredFile:
    """Store an uploaded document."""
    if not data:
        raise bad_request("file must be non-empty")
    if len(data) > MAX_UPLOAD_BYTES:
        raise ApiError(413, "Request Entity Too Large")
    file_id, unique_id = new_file_ids("document")
    return StoredFile(
        kind="document",
        data=data,
        file_id=file_id,
        file_unique_id=unique_id,
        file_path=file_path,
        file_name=file_name,
        mime_type=mime_type or "application/octet-stream",
    )


class FileStore:
    """The files of one bot's world (its uploads and its users'), by file_id and by path."""

    def __init__(self) -> None:
        self._by_id: dict[str, StoredFile] = {}
        self._by_path: dict[str, StoredFile] = {}
        self._counter = itertools.count(1)

    def _next_path(self, folder: str, extension: str) -> str:
        return f"{folder}/file_{next(self._counter)}.{extension}"

    def add_photo(self, data: bytes) -> StoredFile:
        """Keep a photo under the ids of all its sizes."""
        stored, ids = make_photo(data, self._next_path("photos", "jpg"))
        for file_id, _ in ids:
            self._by_id[file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def add_document(
        self, data: bytes, file_name: str | None, mime_type: str | None
    ) -> StoredFile:
        extension = file_name.rsplit(".", 1)[-1] if file_name and "." in file_name else "bin"
        stored = make_document(data, self._next_path("documents", extension), file_name, mime_type)
        self._by_id[stored.file_id] = stored
        self._by_path[stored.file_path] = stored
        return stored

    def add_upload(self, upload: Upload, kind: str) -> StoredFile:
        """Keep a file the bot uploaded as ``kind`` (``photo`` or a document)."""
        if kind == "photo":
            return self.add_photo(upload.data)
        return self.add_document(upload.data, upload.filename, upload.content_type)

    def by_id(self, file_id: str) -> StoredFile | None:
        return self._by_id.get(file_id.strip())

    def by_path(self, path: str) -> StoredFile | None:
        return self._by_path.get(path)

    def all(self) -> list[StoredFile]:
        """Every file once (a photo is kept under the ids of all its sizes)."""
        return list({id(f): f for f in self._by_id.values()}.values())
