"""Opening ZIP containers (DOCX, PPTX, XLSX) with a zip-bomb guard.

The directory's declared sizes are checked first (nothing decompressed), then every member
is inflated once in small chunks and counted, so a directory that understates a size is
caught before a parser inflates it in one go (zipfile's `read` inflates up to 1 GiB at a
time before it stops at the declared size).
"""

from __future__ import annotations

import io
import lzma
import zipfile
import zlib

from tasks.shared.errors import CorruptDocumentError, DocumentTooLargeError

# Office XML compresses 5-20x; beyond 100x the archive is built to expand, not to be read.
MAX_COMPRESSION_RATIO = 100
# Below this the ratio does not matter: a tiny, very repetitive document is harmless.
RATIO_FLOOR_BYTES = 4 * 1024 * 1024
MAX_ENTRIES = 10_000
# One member may hold at most this much XML: a parsed tree costs about 15 times its text.
MAX_MEMBER_BYTES = 64 * 1024 * 1024
_CHUNK = 64 * 1024

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


def check_expansion(
    archive: zipfile.ZipFile, compressed_bytes: int, kind: str, max_unzipped_bytes: int
) -> None:
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
    if declared > max_unzipped_bytes:
        raise DocumentTooLargeError(
            f"The {kind} would expand to {declared:,} bytes when unzipped; "
            f"the limit is {max_unzipped_bytes:,} bytes."
        )
    ratio = declared / max(compressed_bytes, 1)
    if declared > RATIO_FLOOR_BYTES and ratio > MAX_COMPRESSION_RATIO:
        raise DocumentTooLargeError(
            f"The {kind} would expand {ratio:,.0f} times when unzipped "
            f"({compressed_bytes:,} to {declared:,} bytes), more than the "
            f"{MAX_COMPRESSION_RATIO}x a real document reaches; it looks like a zip bomb."
        )
    for entry in entries:
        _check_member(entry, kind)
    for entry in entries:
        _inflate_counted(archive, entry, kind)


def _check_member(entry: zipfile.ZipInfo, kind: str) -> None:
    """One member's declared size and ratio (padding the archive with incompressible
    members must not let one member expand beyond what a document does)."""
    if entry.file_size > MAX_MEMBER_BYTES:
        raise DocumentTooLargeError(
            f"The {kind}'s part {entry.filename!r} would expand to {entry.file_size:,} bytes; "
            f"the limit is {MAX_MEMBER_BYTES:,} bytes per part."
        )
    ratio = entry.file_size / max(entry.compress_size, 1)
    if entry.file_size > RATIO_FLOOR_BYTES and ratio > MAX_COMPRESSION_RATIO:
        raise DocumentTooLargeError(
            f"The {kind}'s part {entry.filename!r} would expand {ratio:,.0f} times when "
            f"unzipped, more than the {MAX_COMPRESSION_RATIO}x a real document reaches; it "
            "looks like a zip bomb."
        )


def _inflate_counted(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, kind: str) -> None:
    """Inflate one member in chunks; a member longer than declared, or whose data does not
    match its CRC, is corrupt (zipfile stops at the declared size and checks the CRC)."""
    try:
        with archive.open(entry) as member:
            while member.read(_CHUNK):
                pass
    except PACKAGE_ERRORS as error:
        raise CorruptDocumentError(
            f"The {kind} is damaged: its part {entry.filename!r} does not match its ZIP "
            f"directory ({type(error).__name__}: {error})."
        ) from error
