"""Text extraction for the Extract Text task: detect the type by content, then extract.

The handler calls `extract_text`; everything here is pure (bytes in, text out), so it runs
the same in Lambda, in the offline engine and in unit tests. A new format plugs in with a
`DocumentKind` and a rule in `detect.py` and an entry in `_EXTRACTORS`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from tasks.extract_text import delimited, docx, eml, html, image, msg, pdf, plain, pptx, xlsx
from tasks.extract_text.common import (
    DEFAULT_LIMITS,
    ExtractedText,
    ExtractionLimits,
    extraction_deadline,
)
from tasks.extract_text.detect import DocumentKind, detect_kind
from tasks.shared.errors import DocumentTooLargeError, EmptyDocumentError

__all__ = ["ExtractedText", "ExtractionLimits", "extract_text"]

Extractor = Callable[[bytes, ExtractionLimits], ExtractedText]

_EXTRACTORS: Mapping[DocumentKind, Extractor] = {
    DocumentKind.PDF: pdf.extract,
    DocumentKind.DOCX: docx.extract,
    DocumentKind.PPTX: pptx.extract,
    DocumentKind.XLSX: xlsx.extract,
    DocumentKind.MSG: msg.extract,
    DocumentKind.HTML: html.extract,
    DocumentKind.EMAIL: eml.extract,
    DocumentKind.CSV: delimited.extract,
    DocumentKind.TEXT: plain.extract,
    DocumentKind.IMAGE: image.extract,
}


def extract_text(data: bytes, limits: ExtractionLimits = DEFAULT_LIMITS) -> ExtractedText:
    """Detect the type of `data` from its content and extract its text, page by page.

    Raises (all `BadInputError`s, never worth a retry):
        DocumentTooLargeError: more bytes, pages or characters than `limits` allow, or a
            ZIP container that would expand unreasonably.
        UnsupportedDocumentError: a type the pipeline does not handle, or binary data.
        CorruptDocumentError: the content claims a known format but cannot be parsed.
        EncryptedDocumentError: a password (or a mail recipient's key) is needed to open it.
        EmptyDocumentError: no text (empty file, whitespace only, blank PDF pages).
        ExtractionTimeoutError: extraction ran past `limits.max_seconds`.

    Pages without a text layer that show an image (scans, image files) are not an error:
    they are listed in `ExtractedText.ocr_pages` for the OCR step.
    """
    # Checked before anything parses the bytes: the cheapest guard against a huge upload.
    if len(data) > limits.max_bytes:
        raise DocumentTooLargeError(
            f"The document is {len(data):,} bytes; the limit is {limits.max_bytes:,} bytes."
        )
    if not data:
        raise EmptyDocumentError("The document is empty: it has 0 bytes.")
    with extraction_deadline(limits):
        return _EXTRACTORS[detect_kind(data)](data, limits)
