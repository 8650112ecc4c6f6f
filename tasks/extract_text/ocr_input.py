"""The file the OCR job reads: only the pages that need OCR, so no page is billed twice.

Textract's asynchronous text detection reads a whole S3 object and bills every page of it.
For a PDF whose scanned pages are a few among many, the Extract Text task writes a PDF of
just those pages (pdfium copies them; an owner password, which Textract refuses, is not
carried over). An image goes as it is. The Merge OCR Text task maps OCR page i back to
`ocr_pages[i - 1]` of the original.
"""

from __future__ import annotations

import io

import pypdfium2
import pypdfium2.raw as pdfium_c

from tasks.extract_text.common import (
    MEDIA_TYPE_JPEG,
    MEDIA_TYPE_PDF,
    MEDIA_TYPE_PNG,
    MEDIA_TYPE_TIFF,
    ExtractedText,
)
from tasks.extract_text.pdf import PDFIUM_LOCK

EXTENSIONS = {
    MEDIA_TYPE_PDF: "pdf",
    MEDIA_TYPE_PNG: "png",
    MEDIA_TYPE_JPEG: "jpg",
    MEDIA_TYPE_TIFF: "tiff",
}


def ocr_input(data: bytes, extracted: ExtractedText) -> tuple[bytes, str]:
    """The bytes to send to OCR and their file extension."""
    if extracted.media_type != MEDIA_TYPE_PDF:
        return data, EXTENSIONS[extracted.media_type]
    with PDFIUM_LOCK:
        source = pypdfium2.PdfDocument(data)
        try:
            if len(extracted.ocr_pages) == len(source) and not _has_security(source):
                return data, "pdf"
            subset = pypdfium2.PdfDocument.new()
            try:
                subset.import_pages(source, [number - 1 for number in extracted.ocr_pages])
                buffer = io.BytesIO()
                subset.save(buffer)
                return buffer.getvalue(), "pdf"
            finally:
                subset.close()
        finally:
            source.close()


def _has_security(document: pypdfium2.PdfDocument) -> bool:
    return int(pdfium_c.FPDF_GetSecurityHandlerRevision(document.raw)) != -1
