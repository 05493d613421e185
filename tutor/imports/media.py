"""A package's images: the files an Anki package carries beside its collection, read only
when a card shows one, and kept only when they are images Telegram shows as photos.

An .apkg or .colpkg holds a ``media`` map and one zip entry per file, named by number:

- older packages: the map is JSON (``{"0": "cell.png"}``) and each file is stored as is;
- Anki 2.1.50+ (``collection.anki21b``): the map is zstd-compressed protobuf
  (``MediaEntries``: per entry, field 1 the name, field 255 the zip entry's number when it
  is not the entry's index), and each file is zstd-compressed.

A file someone sent: each image is read within MAX_IMAGE_BYTES (a photo Telegram takes),
the deck's images within MAX_MEDIA_BYTES together, and only files whose first bytes say
PNG, JPEG, GIF or WebP are kept.
"""

from __future__ import annotations

import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import zstandard

from tutor.domain.content import Card
from tutor.imports import protobuf

# The most one image may unpack to (Telegram takes photos of up to 10 MB).
MAX_IMAGE_BYTES = 5 * 1024 * 1024
# The most a deck's images may unpack to together.
MAX_MEDIA_BYTES = 20 * 1024 * 1024
_MAGIC = (b"\x89PNG\r\n\x1a\n", b"\xff\xd8\xff", b"GIF87a", b"GIF89a")
_CHUNK = 64 * 1024
_LEGACY_NUMBER = 255  # MediaEntry.legacy_zip_filename


class PackageMedia:
    """The images of one package, read on demand: ``image(name)`` is the file's bytes when
    the package holds it, it is an image and the limits allow it; else None."""

    def __init__(self, data: bytes, *, compressed: bool, by_name: bool = False) -> None:
        self._archive: zipfile.ZipFile | None = None
        self._entries: dict[str, str] = {}  # file name -> zip entry name
        self._compressed = compressed
        self._kept: dict[str, bytes] = {}
        self._failed: set[str] = set()
        self._total = 0
        try:
            self._archive = zipfile.ZipFile(io.BytesIO(data))
            # A zip of a deck file and images (our export) holds them under their names.
            self._entries = (
                {name: name for name in self._archive.namelist()} if by_name else self._read_map()
            )
        except (zipfile.BadZipFile, OSError, ValueError, KeyError, EOFError, RuntimeError):
            self._entries = {}  # no map, or a damaged one: the cards keep their text

    def image(self, name: str) -> bytes | None:
        if name in self._kept:
            return self._kept[name]
        if name in self._failed or name not in self._entries or self._archive is None:
            return None
        data = self._read(self._entries[name])
        if data is None or not _is_image(data) or self._total + len(data) > MAX_MEDIA_BYTES:
            self._failed.add(name)
            return None
        self._total += len(data)
        self._kept[name] = data
        return data

    def _read_map(self) -> dict[str, str]:
        assert self._archive is not None
        if "media" not in self._archive.namelist():
            return {}
        raw = self._read_entry("media", limit=MAX_IMAGE_BYTES, compressed=False)
        if raw is None:
            return {}
        try:
            mapping = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            mapping = None
        if isinstance(mapping, dict):
            return {str(name): str(number) for number, name in mapping.items()}
        unpacked = _unzstd(raw, MAX_IMAGE_BYTES)
        if unpacked is None:
            return {}
        entries: dict[str, str] = {}
        for index, entry in enumerate(protobuf.messages(unpacked, 1)):
            name, number = "", index
            for field, value in protobuf.fields(entry):
                if field == 1 and isinstance(value, bytes):
                    name = value.decode("utf-8", errors="replace")
                elif field == _LEGACY_NUMBER and isinstance(value, int):
                    number = value
            if name:
                entries[name] = str(number)
        return entries

    def _read(self, entry: str) -> bytes | None:
        return self._read_entry(entry, limit=MAX_IMAGE_BYTES, compressed=self._compressed)

    def _read_entry(self, entry: str, *, limit: int, compressed: bool) -> bytes | None:
        assert self._archive is not None
        try:
            info = self._archive.getinfo(entry)
            if info.file_size > (limit if not compressed else MAX_MEDIA_BYTES):
                return None
            with self._archive.open(info) as stream:
                raw = read_capped(stream, limit if not compressed else MAX_MEDIA_BYTES)
        except (KeyError, zipfile.BadZipFile, OSError, EOFError, RuntimeError, ValueError):
            return None
        if raw is None or not compressed:
            return raw
        return _unzstd(raw, limit)


def _is_image(data: bytes) -> bool:
    return data.startswith(_MAGIC) or (data[:4] == b"RIFF" and data[8:12] == b"WEBP")


def read_capped(stream: Any, limit: int) -> bytes | None:
    """All of ``stream``, or None once it passes ``limit`` bytes."""
    chunks: list[bytes] = []
    total = 0
    while chunk := stream.read(_CHUNK):
        total += len(chunk)
        if total > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _unzstd(raw: bytes, limit: int) -> bytes | None:
    try:
        with zstandard.ZstdDecompressor().stream_reader(io.BytesIO(raw)) as stream:
            return read_capped(stream, limit)
    except zstandard.ZstdError:
        return None


@dataclass(frozen=True)
class ZippedDeck:
    """A deck file found in a zip, and the zip's images, read when a card names one."""

    name: str
    data: bytes
    media: PackageMedia

    def image(self, name: str) -> bytes | None:
        """The zip's image of that name, read within the limits; None when it has none."""
        return self.media.image(name)

    def images(self, cards: Sequence[Card]) -> dict[str, bytes]:
        """The images ``cards`` name (``image``, ``back_image``) that the zip holds."""
        names = [name for card in cards for name in (card.image, card.back_image) if name]
        return {name: data for name in names if (data := self.image(name)) is not None}


def deck_in_zip(
    data: bytes, collections: Sequence[str], suffixes: Sequence[str]
) -> ZippedDeck | None:
    """The one deck file of a zip that is no Anki package (no ``collections``): a file of
    one of ``suffixes`` at its top, within the file size the bot takes; else None."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            infos = archive.infolist()
            if any(info.filename in collections for info in infos):
                return None
            decks = [
                info
                for info in infos
                if "/" not in info.filename and info.filename.casefold().endswith(tuple(suffixes))
            ]
            if len(decks) != 1 or decks[0].file_size > MAX_IMAGE_BYTES:
                return None
            with archive.open(decks[0]) as stream:
                text = read_capped(stream, MAX_IMAGE_BYTES)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, KeyError):
        return None
    if text is None:
        return None
    return ZippedDeck(decks[0].filename, text, PackageMedia(data, compressed=False, by_name=True))
