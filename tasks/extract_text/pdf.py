"""PDF text layer: pypdfium2 first, pdfminer.six where pdfium fails or finds almost nothing.

Measured over 35 real PDFs (notes/offline-models-and-extraction.md): pdfium is 15-35x faster
and opens the most files, but it rejects some damaged files pdfminer reads and loses
vertical CJK text on others. Image-only scans have no text layer for either; they need OCR,
which a later issue adds.
"""

from __future__ import annotations

import io
import logging
import struct
import threading
import zlib
from collections.abc import Iterable

import pypdfium2
import pypdfium2.raw as pdfium_c
from pdfminer.high_level import extract_pages
from pdfminer.layout import LTContainer, LTItem, LTText, LTTextBox
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psexceptions import PSException

from tasks.extract_text.common import (
    MEDIA_TYPE_PDF,
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    non_space_characters,
)
from tasks.shared.errors import CorruptDocumentError, EmptyDocumentError, EncryptedDocumentError

EXTRACTOR_PDFIUM = "pypdfium2"
EXTRACTOR_PDFMINER = "pdfminer"
KIND = "PDF"

# Below this many non-space characters per page on average, pdfium's result is suspect
# (vertical CJK came out as 19 characters where pdfminer read ~2,600) and pdfminer is asked.
SPARSE_CHARACTERS_PER_PAGE = 20
# pdfminer's text replaces pdfium's only when it is clearly more, not just different.
FALLBACK_GAIN = 2.0

# pdfminer reports damaged input through its own PSException tree but also, from deep in
# its parser and filters, through these built-in errors. They are all "cannot parse this".
_PDFMINER_PARSE_ERRORS: tuple[type[BaseException], ...] = (
    PSException,
    ValueError,
    TypeError,
    KeyError,
    IndexError,
    AttributeError,
    AssertionError,
    EOFError,
    RecursionError,
    struct.error,
    zlib.error,
)

_PASSWORD_ERROR_CODES = frozenset({pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY})

# PDFium keeps global state and is not thread-safe; the offline engine may run several
# executions in threads of one process. In Lambda the lock is never contended.
PDFIUM_LOCK = threading.Lock()

logger = logging.getLogger(__name__)


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Extract the text layer of a PDF, one `Page` per PDF page.

    Raises:
        EncryptedDocumentError: a user password is needed to open it.
        CorruptDocumentError: neither pdfium nor pdfminer can parse it.
        EmptyDocumentError: no page has any text (an image-only scan: no text layer).
        DocumentTooLargeError: more pages or characters than `limits` allow.
    """
    try:
        with PDFIUM_LOCK:
            result = _extract_with_pdfium(data, limits)
    except pypdfium2.PdfiumError as pdfium_error:
        # Not a password problem (handled inside): pdfminer tolerates damage pdfium does not.
        logger.info("pdfium could not read the PDF (%s); trying pdfminer", pdfium_error)
        result = _extract_with_pdfminer_or_fail(data, limits, pdfium_error)
    else:
        if _is_sparse(result):
            result = _prefer_richer(result, data, limits)
    pages = len(result.pages)
    if pages == 0:
        raise EmptyDocumentError("The PDF has no pages.")
    if non_space_characters(result.pages) == 0:
        raise EmptyDocumentError(
            f"The PDF has {pages:,} page{'s' if pages != 1 else ''} but no text layer: it is "
            "probably a scanned image. Text in images needs OCR, which is not supported yet."
        )
    return result


def _extract_with_pdfium(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Read every page with pdfium; raise `PdfiumError` for anything but a password."""
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        if error.err_code in _PASSWORD_ERROR_CODES:
            raise _encrypted(error) from error
        raise
    try:
        pages = PageAccumulator(limits, KIND)
        pages.check_page_count(len(document))
        for index in range(len(document)):
            pages.add(_pdfium_page_text(document, index))
        return ExtractedText(MEDIA_TYPE_PDF, pages.pages, EXTRACTOR_PDFIUM, None)
    finally:
        # pdfium memory is native: free it now rather than whenever the GC runs.
        document.close()


def _pdfium_page_text(document: pypdfium2.PdfDocument, index: int) -> str:
    page = document[index]
    try:
        textpage = page.get_textpage()
        try:
            return str(textpage.get_text_range())
        finally:
            textpage.close()
    finally:
        page.close()


def _is_sparse(result: ExtractedText) -> bool:
    pages = max(len(result.pages), 1)
    return non_space_characters(result.pages) / pages < SPARSE_CHARACTERS_PER_PAGE


def _prefer_richer(primary: ExtractedText, data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Return pdfminer's text if it finds clearly more than pdfium did, else pdfium's."""
    try:
        secondary = _extract_with_pdfminer(data, limits)
    except (CorruptDocumentError, EncryptedDocumentError) as error:
        # pdfium opened it, so its (sparse) text stands; pdfminer is only a second opinion.
        logger.info("pdfminer could not read a PDF pdfium opened: %s", error)
        return primary
    if non_space_characters(secondary.pages) > FALLBACK_GAIN * non_space_characters(primary.pages):
        return secondary
    return primary


def _extract_with_pdfminer_or_fail(
    data: bytes, limits: ExtractionLimits, pdfium_error: pypdfium2.PdfiumError
) -> ExtractedText:
    try:
        return _extract_with_pdfminer(data, limits)
    except CorruptDocumentError as error:
        raise CorruptDocumentError(
            f'The PDF is damaged and cannot be parsed: pdfium reports "{pdfium_error}" '
            f'and pdfminer reports "{error.__cause__ or error}".'
        ) from error


def _extract_with_pdfminer(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Read every page with pdfminer, translating its errors into the project's."""
    pages = PageAccumulator(limits, KIND)
    try:
        # One page past the limit is enough to know the document is too large.
        for layout in extract_pages(io.BytesIO(data), maxpages=limits.max_pages + 1):
            pages.add("".join(_layout_text(layout)))
    except PDFPasswordIncorrect as error:
        raise _encrypted(error) from error
    except PDFEncryptionError as error:
        raise EncryptedDocumentError(
            f"The PDF is encrypted with a scheme that cannot be opened ({error})."
        ) from error
    except _PDFMINER_PARSE_ERRORS as error:
        raise CorruptDocumentError(
            f"The PDF is damaged and cannot be parsed ({type(error).__name__}: {error})."
        ) from error
    return ExtractedText(MEDIA_TYPE_PDF, pages.pages, EXTRACTOR_PDFMINER, None)


def _layout_text(item: LTItem) -> Iterable[str]:
    """The text of a layout tree in reading order, as pdfminer's own TextConverter renders it."""
    if isinstance(item, LTContainer):
        for child in item:
            yield from _layout_text(child)
    elif isinstance(item, LTText):
        yield item.get_text()
    if isinstance(item, LTTextBox):
        yield "\n"


def _encrypted(error: BaseException) -> EncryptedDocumentError:
    return EncryptedDocumentError(
        "The PDF is password-protected: it cannot be opened without its user password "
        f"({error}). Remove the password and upload it again."
    )
