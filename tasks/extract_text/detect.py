"""Detect a document's type from its content (magic bytes and container structure).

File names and declared content types are never trusted: uploads are often misnamed, and
the bytes are what the extractors have to read. A new format plugs in by adding a
`DocumentKind`, a rule here and an extractor in `extraction.py`.
"""

from __future__ import annotations

import enum
import re

from tasks.extract_text.archive import is_zip, open_zip
from tasks.shared.errors import UnsupportedDocumentError

# PDF readers (pdfium, Acrobat) accept the header anywhere in the first 1024 bytes, after
# junk such as a mail or HTTP preamble. Away from offset 0, a version digit and a PDF body
# keyword are also required, so that prose which merely mentions "%PDF-" stays text.
_PDF_HEADER_RE = re.compile(rb"%PDF-\d")
_PDF_BODY_MARKERS = (b"endobj", b"startxref", b"%%EOF")
PDF_HEADER_WINDOW = 1024

_OLE2_SIGNATURE = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"

# Binary formats recognised only to say clearly what they are when refusing them. Without
# this list most would still be refused as "not text", with a vaguer message.
_UNSUPPORTED_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "a PNG image (image text needs OCR, not supported yet)"),
    (b"\xff\xd8\xff", "a JPEG image (image text needs OCR, not supported yet)"),
    (b"GIF87a", "a GIF image"),
    (b"GIF89a", "a GIF image"),
    (b"II*\x00", "a TIFF image (image text needs OCR, not supported yet)"),
    (b"MM\x00*", "a TIFF image (image text needs OCR, not supported yet)"),
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
    ("ppt/presentation.xml", "a PowerPoint presentation (PPTX), not supported yet"),
    ("xl/workbook.xml", "an Excel workbook (XLSX), not supported yet"),
    ("content.xml", "an OpenDocument file (ODT/ODS/ODP), not supported"),
    ("META-INF/container.xml", "an EPUB book, not supported"),
)
DOCX_MAIN_PART = "word/document.xml"


class DocumentKind(enum.Enum):
    """The document families the extractor can read."""

    PDF = "pdf"
    DOCX = "docx"
    TEXT = "text"


def detect_kind(data: bytes) -> DocumentKind:
    """Return the kind of document `data` holds, judged only by its content.

    Anything that is not PDF or DOCX and has no known binary signature is classed as TEXT;
    the text extractor then refuses it if it does not decode as text.

    Raises:
        UnsupportedDocumentError: a recognised format the pipeline does not handle.
        CorruptDocumentError: a ZIP container whose directory cannot be read.
    """
    if data.startswith(b"%PDF-"):
        return DocumentKind.PDF
    if is_zip(data):
        return _detect_zip(data)
    if data.startswith(_OLE2_SIGNATURE):
        raise UnsupportedDocumentError(
            "The document is a legacy Office binary file (OLE2: Word 97-2003 .doc, .xls, .ppt "
            "or Outlook .msg); only PDF, DOCX and plain text are supported. Save it as DOCX "
            "or PDF."
        )
    for signature, what in _UNSUPPORTED_SIGNATURES:
        if data.startswith(signature):
            raise UnsupportedDocumentError(
                f"The document is {what}; only PDF, DOCX and plain text are supported."
            )
    if _has_late_pdf_header(data):
        return DocumentKind.PDF
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
    for member, what in _ZIP_MEMBERS_UNSUPPORTED:
        if member in names:
            raise UnsupportedDocumentError(
                f"The document is {what}; only PDF, DOCX and plain text are supported."
            )
    raise UnsupportedDocumentError(
        f"The document is a ZIP archive without a Word document part ({DOCX_MAIN_PART}); "
        "only PDF, DOCX and plain text are supported."
    )
