"""Opening ZIP containers (DOCX, PPTX, XLSX) with a cheap zip-bomb guard."""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib

from tasks.shared.errors import CorruptDocumentError, DocumentTooLargeError

# A real DOCX of 50 MB holds a few hundred MB of XML at most; a zip bomb claims gigabytes.
MAX_UNCOMPRESSED_BYTES = 200 * 1024 * 1024
# Office XML compresses 5-20x; beyond 100x the archive is built to expand, not to be read.
MAX_COMPRESSION_RATIO = 100
# Below this the ratio does not matter: a tiny, very repetitive document is harmless.
RATIO_FLOOR_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 10_000

ZIP_SIGNATURES = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")

# What reading a damaged package raises, whatever the format on top: a part or relationship
# the index names is missing (KeyError); zipfile reports a damaged member as BadZipFile
# (CRC), EOFError (truncated), zlib.error, OSError or LZMAError (bad deflate/bzip2/lzma data)
# or NotImplementedError (unknown compression method); the XML inside may be broken.
PACKAGE_ERRORS: tuple[type[Exception], ...] = (
    zipfile.BadZipFile,
    KeyError,
    EOFError,
    ValueError,
    NotImplementedError,
    OSError,
    zlib.error,
    lzma.LZMAError,
)


def is_zip(data: bytes) -> bool:
    """True when `data` starts like a ZIP archive (local header, empty archive or span mark)."""
    return data[:4] in ZIP_SIGNATURES


def open_zip(data: bytes, kind: str) -> zipfile.ZipFile:
    """Open `data` as a ZIP archive, or raise `CorruptDocumentError` naming `kind`."""
    try:
        return zipfile.ZipFile(io.BytesIO(data))
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        EOFError,
        ValueError,
        NotImplementedError,
    ) as error:
        # Besides BadZipFile, zipfile raises ValueError/EOFError on some truncated
        # directories and NotImplementedError on a garbled version field.
        raise CorruptDocumentError(
            f"The {kind} is a damaged ZIP container: its directory cannot be read ({error})."
        ) from error


def check_expansion(archive: zipfile.ZipFile, compressed_bytes: int, kind: str) -> None:
    """Raise `DocumentTooLargeError` if the archive would expand to an unreasonable size.

    Uses the sizes the ZIP directory declares, so nothing is decompressed. A directory that
    understates them does not get past this for long: zipfile stops reading an entry at its
    declared size and the CRC check then fails, which callers report as corrupt.
    """
    entries = archive.infolist()
    if len(entries) > MAX_ENTRIES:
        raise DocumentTooLargeError(
            f"The {kind} holds {len(entries):,} files in its ZIP container; "
            f"the limit is {MAX_ENTRIES:,}."
        )
    declared = sum(entry.file_size for entry in entries)
    if declared > MAX_UNCOMPRESSED_BYTES:
        raise DocumentTooLargeError(
            f"The {kind} would expand to {declared:,} bytes when unzipped; "
            f"the limit is {MAX_UNCOMPRESSED_BYTES:,} bytes."
        )
    ratio = declared / max(compressed_bytes, 1)
    if declared > RATIO_FLOOR_BYTES and ratio > MAX_COMPRESSION_RATIO:
        raise DocumentTooLargeError(
            f"The {kind} would expand {ratio:,.0f} times when unzipped "
            f"({compressed_bytes:,} to {declared:,} bytes), more than the "
            f"{MAX_COMPRESSION_RATIO}x a real document reaches; it looks like a zip bomb."
        )
