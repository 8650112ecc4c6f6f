"""PDF text layer, page by page: pypdfium2 reads every page, pdfminer.six the pages it cannot.

Measured over 35 real PDFs (notes/offline-models-and-extraction.md): pdfium is 15-35x faster
and opens the most files, but it rejects some damaged files pdfminer reads and finds no
text in fonts with a vertical CMap (Japanese and Chinese set top to bottom), which pdfminer
reads. So every page goes through pdfium, and only a page where pdfium found (almost) no
text is looked at more closely, through its page objects:

- text objects pdfium reads no text from: pdfminer is asked for that page (one pdfminer
  pass for all such pages) and its text is kept where it is clearly richer;
- still (almost) no text, but an image: a scan, listed in `ocr_pages` for the OCR step;
- neither: the page is blank (or holds only its few characters).

A PDF pdfium cannot open at all is read whole by pdfminer.
"""

from __future__ import annotations

import ctypes
import io
import logging
import re
import struct
import threading
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

import pypdfium2
import pypdfium2.raw as pdfium_c
from pdfminer.high_level import extract_pages
from pdfminer.layout import LAParams, LTContainer, LTItem, LTText, LTTextBox
from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect
from pdfminer.psexceptions import PSException

from tasks.extract_text.common import (
    MEDIA_TYPE_PDF,
    Deadline,
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    current_deadline,
    has_text,
)
from tasks.shared.errors import CorruptDocumentError, EmptyDocumentError, EncryptedDocumentError
from tasks.shared.models import Page
from tasks.shared.page_text import clean_text

EXTRACTOR_PDFIUM = "pypdfium2"
EXTRACTOR_PDFMINER = "pdfminer"
EXTRACTOR_MIXED = f"{EXTRACTOR_PDFIUM}+{EXTRACTOR_PDFMINER}"
KIND = "PDF"

# A page with fewer non-space characters than this has "almost no text": its objects are
# inspected. Vertical CJK came out of pdfium as 19 characters where pdfminer read ~2,600;
# a scan may carry a few characters of stamp or page number over its image.
SPARSE_PAGE_CHARACTERS = 20
_SPARSE_CHECK_PREFIX = 256
# pdfminer's text replaces pdfium's on a page only when it is clearly more, not just different.
FALLBACK_GAIN = 2.0
# pdfminer writes a glyph it cannot map to Unicode as "(cid:123)": not text, so not counted.
_UNMAPPED_GLYPH_RE = re.compile(r"\(cid:\d+\)")
# The pages pdfminer is asked for are mostly vertical writing: group their characters into
# vertical lines rather than one character per line.
_PDFMINER_PAGE_LAYOUT = LAParams(detect_vertical=True)
# FPDFTextObj_GetText counts the UTF-16 terminator: this many bytes means no text at all.
_EMPTY_TEXT_BYTES = 2
# Form XObjects nest; real files go a few levels deep. Deeper ones are not searched.
_MAX_FORM_DEPTH = 16

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
# Where pdfminer is only a second opinion, any failure of its leaves pdfium's text standing.
_PDFMINER_ERRORS: tuple[type[BaseException], ...] = (
    PDFPasswordIncorrect,
    PDFEncryptionError,
    *_PDFMINER_PARSE_ERRORS,
)

_PASSWORD_ERROR_CODES = frozenset({pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY})

# PDFium keeps global state and is not thread-safe; the offline engine may run several
# executions in threads of one process. In Lambda the lock is never contended.
PDFIUM_LOCK = threading.Lock()

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class PageContent:
    """What a page pdfium found (almost) no text on is made of."""

    unreadable_text: bool  # text objects that draw glyphs pdfium reads no text from
    images: bool


@dataclass(frozen=True)
class PdfiumReading:
    """pdfium's text of every page, and the content of the pages with almost none."""

    pages: tuple[Page, ...]
    sparse: Mapping[int, PageContent]  # by 1-based page number


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Extract the text layer of a PDF, one `Page` per PDF page; list the scanned pages.

    Raises:
        EncryptedDocumentError: a user password is needed to open it.
        CorruptDocumentError: neither pdfium nor pdfminer can parse it.
        EmptyDocumentError: no page has text and none shows an image (blank pages only).
        DocumentTooLargeError: more pages or characters than `limits` allow.
        ExtractionTimeoutError: extraction ran past `limits.max_seconds`.
    """
    deadline = current_deadline(limits)
    try:
        with PDFIUM_LOCK:
            reading = read_with_pdfium(data, limits, deadline)
    except pypdfium2.PdfiumError as pdfium_error:
        # Not a password problem (handled inside): pdfminer tolerates damage pdfium does not.
        logger.info("pdfium could not read the PDF (%s); trying pdfminer", pdfium_error)
        result = _extract_with_pdfminer_or_fail(data, limits, pdfium_error)
        if result.pages and not _any_text(result.pages):
            # Scanned pages go to OCR as a PDF that pdfium writes: not possible here.
            raise EmptyDocumentError(
                f"The PDF has no text on any of its {len(result.pages):,} pages, and it is "
                f'too damaged to prepare for OCR (pdfium reports "{pdfium_error}").'
            ) from pdfium_error
    else:
        result = combine(reading, _pdfminer_pages(data, reading, deadline), limits, deadline)
        if not result.ocr_pages and not _any_text(result.pages):
            # pdfium saw nothing on any page; a page tree pdfium misreads can hide pages
            # that pdfminer finds by scanning the file (cheap: the pages are empty).
            result = _prefer_pdfminer_if_it_has_text(result, data, limits)
    if not result.ocr_pages and not _any_text(result.pages):
        raise _empty(len(result.pages))
    return result


def read_with_pdfium(data: bytes, limits: ExtractionLimits, deadline: Deadline) -> PdfiumReading:
    """Read every page with pdfium; raise `PdfiumError` for anything but a password.

    The caller holds `PDFIUM_LOCK`.
    """
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError as error:
        if error.err_code in _PASSWORD_ERROR_CODES:
            raise _encrypted(error) from error
        raise
    try:
        pages = PageAccumulator(limits, KIND, deadline)
        pages.check_page_count(len(document))
        sparse: dict[int, PageContent] = {}
        for index in range(len(document)):
            page = document[index]
            try:
                textpage = page.get_textpage()
                try:
                    text = str(textpage.get_text_range())
                    pages.add(text)
                    if _is_sparse(text):
                        sparse[index + 1] = page_content(page.raw, textpage.raw)
                finally:
                    textpage.close()
            finally:
                page.close()
        return PdfiumReading(pages.pages, sparse)
    finally:
        # pdfium memory is native: free it now rather than whenever the GC runs.
        document.close()


def page_content(page: Any, textpage: Any) -> PageContent:
    """Look through the objects of a page (and of the form XObjects on it) for text and images.

    `page` and `textpage` are pdfium's raw handles. The walk stops as soon as both an
    unreadable text object and an image have been seen.
    """
    unreadable_text = images = False
    containers: list[tuple[Any, int]] = [(page, 0)]
    while containers and not (unreadable_text and images):
        container, depth = containers.pop()
        if depth == 0:
            count = pdfium_c.FPDFPage_CountObjects(container)
            get = pdfium_c.FPDFPage_GetObject
        else:
            count = pdfium_c.FPDFFormObj_CountObjects(container)
            get = pdfium_c.FPDFFormObj_GetObject
        for index in range(count):
            item = get(container, index)
            kind = pdfium_c.FPDFPageObj_GetType(item)
            if kind == pdfium_c.FPDF_PAGEOBJ_TEXT:
                unreadable_text = unreadable_text or _is_unreadable_text(item, textpage)
            elif kind == pdfium_c.FPDF_PAGEOBJ_IMAGE:
                images = True
            elif kind == pdfium_c.FPDF_PAGEOBJ_FORM and depth < _MAX_FORM_DEPTH:
                containers.append((item, depth + 1))
    return PageContent(unreadable_text=unreadable_text, images=images)


def _is_unreadable_text(item: Any, textpage: Any) -> bool:
    """True for a text object that draws glyphs pdfium maps to no text.

    A text object of spaces also reads as no text (pdfium writes its own spaces), but it
    draws nothing: zero width and height. Vertical writing reads as no text too, with a
    height (pdfium gives it no width).
    """
    if pdfium_c.FPDFTextObj_GetText(item, textpage, None, 0) > _EMPTY_TEXT_BYTES:
        return False
    left, bottom, right, top = (ctypes.c_float() for _ in range(4))
    if not pdfium_c.FPDFPageObj_GetBounds(
        item, ctypes.byref(left), ctypes.byref(bottom), ctypes.byref(right), ctypes.byref(top)
    ):
        return False
    return right.value > left.value or top.value > bottom.value


def combine(
    reading: PdfiumReading,
    pdfminer_texts: Mapping[int, str],
    limits: ExtractionLimits,
    deadline: Deadline,
) -> ExtractedText:
    """Choose each page's text (pdfminer's where clearly richer) and list the pages for OCR.

    `pdfminer_texts` holds pdfminer's text of some pages, by 1-based page number.
    """
    chosen = {
        number: text
        for number, text in pdfminer_texts.items()
        if 1 <= number <= len(reading.pages) and _is_richer(text, reading.pages[number - 1].text)
    }
    pages = reading.pages
    if chosen:
        # Text changed: count the characters again against the limit.
        accumulator = PageAccumulator(limits, KIND, deadline)
        for page in pages:
            accumulator.add(chosen.get(page.number, page.text))
        pages = accumulator.pages
    ocr_pages = tuple(
        number
        for number, content in sorted(reading.sparse.items())
        if content.images and _is_sparse(pages[number - 1].text)
    )
    pdfium_text = any(has_text(page.text) for page in pages if page.number not in chosen)
    if chosen and pdfium_text:
        extractor = EXTRACTOR_MIXED
    elif chosen:
        extractor = EXTRACTOR_PDFMINER
    else:
        extractor = EXTRACTOR_PDFIUM
    return ExtractedText(MEDIA_TYPE_PDF, pages, extractor, None, ocr_pages=ocr_pages)


def _is_sparse(text: str) -> bool:
    """True when `text` has fewer than `SPARSE_PAGE_CHARACTERS` non-space characters."""
    # A page with text shows enough of it in its first few hundred characters: counting
    # only those keeps this check cheap on long pages (it runs on every page).
    head = text[:_SPARSE_CHECK_PREFIX]
    if _non_space(head) >= SPARSE_PAGE_CHARACTERS:
        return False
    return len(head) == len(text) or _non_space(text) < SPARSE_PAGE_CHARACTERS


def _non_space(text: str) -> int:
    return len("".join(text.split()))


def _is_richer(candidate: str, current: str) -> bool:
    found = _non_space(_UNMAPPED_GLYPH_RE.sub("", candidate))
    return found > 0 and found > FALLBACK_GAIN * _non_space(current)


def _any_text(pages: tuple[Page, ...]) -> bool:
    return any(has_text(page.text) for page in pages)


def _pdfminer_pages(data: bytes, reading: PdfiumReading, deadline: Deadline) -> dict[int, str]:
    """pdfminer's text of the pages with text objects pdfium cannot read, by page number.

    pdfminer is a second opinion here: if it cannot parse the file, pdfium's text stands.
    """
    numbers = [number for number, content in reading.sparse.items() if content.unreadable_text]
    if not numbers:
        return {}
    texts: dict[int, str] = {}
    try:
        layouts = extract_pages(
            io.BytesIO(data),
            page_numbers=[number - 1 for number in numbers],
            laparams=_PDFMINER_PAGE_LAYOUT,
        )
        # pdfminer yields the pages asked for in document order; should it find fewer
        # pages than pdfium did, the ones it does not reach keep pdfium's text.
        for number, layout in zip(sorted(numbers), layouts, strict=False):
            texts[number] = clean_text("".join(_layout_text(layout)))
            deadline.check(KIND, f"after reading page {number:,} with pdfminer")
    except _PDFMINER_ERRORS as error:
        logger.info("pdfminer could not read pages %s of a PDF pdfium opened: %s", numbers, error)
    return texts


def _prefer_pdfminer_if_it_has_text(
    primary: ExtractedText, data: bytes, limits: ExtractionLimits
) -> ExtractedText:
    try:
        secondary = _extract_with_pdfminer(data, limits)
    except (CorruptDocumentError, EncryptedDocumentError) as error:
        logger.info("pdfminer could not read a PDF pdfium opened: %s", error)
        return primary
    return secondary if _any_text(secondary.pages) else primary


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


def _empty(pages: int) -> EmptyDocumentError:
    if pages == 0:
        return EmptyDocumentError("The PDF has no pages.")
    if pages == 1:
        return EmptyDocumentError("The PDF's one page is blank: no text and no images.")
    return EmptyDocumentError(f"All {pages:,} pages of the PDF are blank: no text and no images.")


def _encrypted(error: BaseException) -> EncryptedDocumentError:
    return EncryptedDocumentError(
        "The PDF is password-protected: it cannot be opened without its user password "
        f"({error}). Remove the password and upload it again."
    )
