"""Detect a document's type from its content (magic bytes and container structure).

File names and declared content types are never trusted: uploads are often misnamed, and
the bytes are what the extractors have to read. A new format plugs in by adding a
`DocumentKind`, a rule here and an extractor in `extraction.py`.
"""

from __future__ import annotations

import csv
import enum
import io
import re
import struct

import olefile

from tasks.extract_text import image, plain
from tasks.extract_text.archive import is_zip, open_zip
from tasks.shared.errors import (
    CorruptDocumentError,
    EncryptedDocumentError,
    UnsupportedDocumentError,
)

# PDF readers (pdfium, Acrobat) accept the header anywhere in the first 1024 bytes, after
# junk such as a mail or HTTP preamble. Away from offset 0, a version digit and a PDF body
# keyword are also required, so that prose which merely mentions "%PDF-" stays text.
_PDF_HEADER_RE = re.compile(rb"%PDF-\d")
_PDF_BODY_MARKERS = (b"endobj", b"startxref", b"%%EOF")
PDF_HEADER_WINDOW = 1024

SUPPORTED = (
    "the pipeline reads PDF, DOCX, PPTX, XLSX, HTML, e-mail (EML, Outlook MSG), CSV, plain "
    "text and PNG, JPEG and TIFF images (through OCR)."
)

_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Binary formats recognised only to say clearly what they are when refusing them. Without
# this list most would still be refused as "not text", with a vaguer message.
_UNSUPPORTED_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"GIF87a", "a GIF image (OCR reads PNG, JPEG and TIFF; convert it to PNG)"),
    (b"GIF89a", "a GIF image (OCR reads PNG, JPEG and TIFF; convert it to PNG)"),
    (b"{\\rtf", "an RTF document (RTF is not supported yet)"),
    (b"\x1f\x8b", "a gzip-compressed file"),
    (b"7z\xbc\xaf\x27\x1c", "a 7-Zip archive"),
    (b"Rar!\x1a\x07", "a RAR archive"),
    (b"\xfd7zXZ\x00", "an xz-compressed file"),
    (b"\x28\xb5\x2f\xfd", "a Zstandard-compressed file"),
    (b"\x7fELF", "an executable (ELF)"),
)

# ZIP-based formats recognised by a member name, to name them when refusing them.
_ZIP_MEMBERS_UNSUPPORTED: tuple[tuple[str, str], ...] = (
    ("content.xml", "an OpenDocument file (ODT/ODS/ODP), not supported"),
    ("META-INF/container.xml", "an EPUB book, not supported"),
)
DOCX_MAIN_PART = "word/document.xml"
PPTX_MAIN_PART = "ppt/presentation.xml"
XLSX_MAIN_PART = "xl/workbook.xml"

# OLE2 (compound file) streams that tell its application. An Outlook message keeps every
# property in a "__substg1.0_<tag>" stream; Office encrypts OOXML files into an OLE2 file
# holding the key data and the encrypted ZIP.
_MSG_STREAM_PREFIX = "__substg1.0_"
_OLE_ENCRYPTED_STREAMS = ("EncryptionInfo", "EncryptedPackage")
_OLE_UNSUPPORTED_STREAMS: tuple[tuple[str, str], ...] = (
    ("WordDocument", "legacy Word 97-2003 .doc is not supported; save it as DOCX or PDF"),
    ("Workbook", "legacy Excel 97-2003 .xls is not supported; save it as XLSX"),
    ("Book", "legacy Excel 5.0 .xls is not supported; save it as XLSX"),
    ("PowerPoint Document", "legacy PowerPoint 97-2003 .ppt is not supported; save it as PPTX"),
)
# olefile reports a damaged compound file with OSError and, from deeper down, these.
_OLE_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, IndexError, struct.error)

# Text-based formats are recognised in the first characters, decoded as well as cheaply
# possible (BOM, UTF-16/32 NUL pattern, else UTF-8 with replacement).
_TEXT_PREFIX_BYTES = 8192
# An HTML document opens with its doctype or one of the top elements, after an optional
# XML declaration and comments (generators put banners there). Each part is matched in
# linear time: a comment's body cannot run on into the next comment (a lazy `.*?` could,
# and then a run of banners that ends in no element is tried every way: exponential).
_HTML_PREAMBLE_RE = re.compile(r"\s*(?:<\?xml[^>]*>\s*)?")
_COMMENT_RE = re.compile(r"<!--(?:[^-]|-(?!->))*-->\s*")
_HTML_ELEMENT_RE = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.IGNORECASE)
# How far banners may reach before the element that says "HTML".
_HTML_BANNER_BYTES = 1024 * 1024
# A mail message opens with a block of header fields; an mbox export adds a "From " line.
_MBOX_FROM_RE = re.compile(r"\AFrom \S+")
_HEADER_FIELD_RE = re.compile(r"([!-9;-~]+):")
_MAIL_HEADERS = frozenset(
    {
        "from",
        "to",
        "cc",
        "subject",
        "date",
        "received",
        "return-path",
        "message-id",
        "mime-version",
        "delivered-to",
        "reply-to",
        "sender",
        "content-type",
    }
)
# Fields only a transported or composed message has; "Subject:" and "To:" alone could
# start a memo.
_MAIL_ORIGIN_HEADERS = frozenset(
    {"from", "received", "return-path", "message-id", "mime-version", "delivered-to"}
)
_MIN_MAIL_HEADERS = 3
# CSV: this many leading lines must split into the same number (at least 2) of fields.
# Three short lines of prose with one comma each split like that too, so two columns need
# more rows as evidence.
_CSV_SAMPLE_LINES = 20
_CSV_MIN_ROWS = 3
_CSV_MIN_ROWS_TWO_COLUMNS = 5
# The pipe is left out: Markdown tables use it, and Markdown stays plain text.
_CSV_DELIMITERS = ",;\t"


class DocumentKind(enum.Enum):
    """The document families the extractor can read."""

    PDF = "pdf"
    DOCX = "docx"
    PPTX = "pptx"
    XLSX = "xlsx"
    MSG = "msg"
    HTML = "html"
    EMAIL = "email"
    CSV = "csv"
    TEXT = "text"
    IMAGE = "image"


def detect_kind(data: bytes) -> DocumentKind:
    """Return the kind of document `data` holds, judged only by its content.

    Anything without a known binary signature that does not start like HTML, a mail
    message or CSV is classed as TEXT; the text extractor then refuses it if it does not
    decode as text.

    Raises:
        UnsupportedDocumentError: a recognised format the pipeline does not handle.
        EncryptedDocumentError: a password-protected Office file (an encrypted OLE2 package).
        CorruptDocumentError: a ZIP or OLE2 container whose directory cannot be read.
    """
    if data.startswith(b"%PDF-"):
        return DocumentKind.PDF
    if is_zip(data):
        return _detect_zip(data)
    if data.startswith(_OLE2_SIGNATURE):
        return _detect_ole(data)
    if image.media_type_of(data) is not None:
        return DocumentKind.IMAGE
    for signature, what in _UNSUPPORTED_SIGNATURES:
        if data.startswith(signature):
            raise UnsupportedDocumentError(f"The document is {what}; {SUPPORTED}")
    if _has_late_pdf_header(data):
        return DocumentKind.PDF
    prefix = _text_prefix(data)
    if _opens_as_html(prefix, data):
        return DocumentKind.HTML
    if _looks_like_mail(prefix, truncated=len(data) > _TEXT_PREFIX_BYTES):
        return DocumentKind.EMAIL
    if _looks_like_csv(prefix, truncated=len(data) > _TEXT_PREFIX_BYTES):
        return DocumentKind.CSV
    return DocumentKind.TEXT


def _has_late_pdf_header(data: bytes) -> bool:
    # pdfium opens a file whose header starts at offset 1024 at most (measured), so the
    # search runs to there plus the length of "%PDF-" and a digit.
    header = _PDF_HEADER_RE.search(data, 0, PDF_HEADER_WINDOW + len(b"%PDF-0"))
    return header is not None and any(marker in data for marker in _PDF_BODY_MARKERS)


def _detect_zip(data: bytes) -> DocumentKind:
    with open_zip(data, "ZIP-based document") as archive:
        names = set(archive.namelist())
    if DOCX_MAIN_PART in names:
        return DocumentKind.DOCX
    if PPTX_MAIN_PART in names:
        return DocumentKind.PPTX
    if XLSX_MAIN_PART in names:
        return DocumentKind.XLSX
    for member, what in _ZIP_MEMBERS_UNSUPPORTED:
        if member in names:
            raise UnsupportedDocumentError(f"The document is {what}; {SUPPORTED}")
    raise UnsupportedDocumentError(
        f"The document is a ZIP archive without a Word, PowerPoint or Excel main part; {SUPPORTED}"
    )


def _detect_ole(data: bytes) -> DocumentKind:
    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            streams = {"/".join(path) for path in ole.listdir(streams=True, storages=False)}
    except _OLE_ERRORS as error:
        raise CorruptDocumentError(
            f"The document is a damaged OLE2 compound file (legacy Office or Outlook): "
            f"its directory cannot be read ({error})."
        ) from error
    if any(name.startswith(_MSG_STREAM_PREFIX) for name in streams):
        return DocumentKind.MSG
    if all(name in streams for name in _OLE_ENCRYPTED_STREAMS):
        raise EncryptedDocumentError(
            "The document is a password-protected Office file (an encrypted DOCX, XLSX or "
            "PPTX package); a password is needed to open it."
        )
    for stream, message in _OLE_UNSUPPORTED_STREAMS:
        if stream in streams:
            raise UnsupportedDocumentError(
                f"The document is a legacy Office binary file: {message}."
            )
    raise UnsupportedDocumentError(
        f"The document is a legacy Office binary file (OLE2) of an unknown kind; {SUPPORTED}"
    )


def _opens_as_html(prefix: str, data: bytes) -> bool:
    """Whether the text opens like an HTML document. Banners of comments may run past the
    prefix: then up to `_HTML_BANNER_BYTES` are read."""
    position = _HTML_PREAMBLE_RE.match(prefix).end()  # type: ignore[union-attr]
    while (comment := _COMMENT_RE.match(prefix, position)) is not None:
        position = comment.end()
    if _HTML_ELEMENT_RE.match(prefix, position):
        return True
    banners_go_on = prefix.startswith("<!--", position) and len(data) > len(prefix)
    if banners_go_on and len(prefix) < _HTML_BANNER_BYTES:
        return _opens_as_html(_text_prefix(data, _HTML_BANNER_BYTES), data)
    return False


def _text_prefix(data: bytes, size: int = _TEXT_PREFIX_BYTES) -> str:
    head = data[:size]
    marked = plain.bom_encoding(head)
    if marked is not None:
        encoding, length = marked
        return head[length:].decode(encoding, errors="replace")
    sniffed = plain.sniff_utf16_32(head)
    return head.decode(sniffed or "utf-8", errors="replace")


def _looks_like_mail(prefix: str, *, truncated: bool) -> bool:
    lines = prefix.splitlines()
    if lines and _MBOX_FROM_RE.match(lines[0]):
        lines = lines[1:]
    names: set[str] = set()
    for index, line in enumerate(lines):
        if not line:
            break
        if line[0] in " \t" and index > 0:
            continue  # A folded continuation of the field above.
        field = _HEADER_FIELD_RE.match(line)
        if field is None:
            return False
        names.add(field.group(1).lower())
    else:
        # No blank line ends the block: only a header block longer than the prefix may.
        if not truncated:
            return False
    known = names & _MAIL_HEADERS
    return len(known) >= _MIN_MAIL_HEADERS and bool(known & _MAIL_ORIGIN_HEADERS)


def _looks_like_csv(prefix: str, *, truncated: bool) -> bool:
    lines = prefix.splitlines()
    if truncated:
        lines = lines[:-1]  # The last line may be cut short.
    sample = "\n".join(line for line in lines[:_CSV_SAMPLE_LINES] if line.strip())
    try:
        dialect = csv.Sniffer().sniff(sample, delimiters=_CSV_DELIMITERS)
        rows = list(csv.reader(io.StringIO(sample), dialect))
    except csv.Error:
        return False
    widths = {len(row) for row in rows}
    if len(widths) != 1:
        return False
    columns = widths.pop()
    if columns == 2:
        return len(rows) >= _CSV_MIN_ROWS_TWO_COLUMNS
    return columns > 2 and len(rows) >= _CSV_MIN_ROWS
