"""What every format extractor shares: the limits, the result and the page accumulator.

Kept apart from `extraction.py` so that the format modules can use these without importing
the dispatcher that imports them.
"""

from __future__ import annotations

import contextlib
import re
import time
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field

from tasks.shared.errors import DocumentTooLargeError, EmptyDocumentError, ExtractionTimeoutError
from tasks.shared.models import Page
from tasks.shared.page_text import clean_text

# How every format renders a table row: its cells joined by this.
CELL_SEPARATOR = " | "

MEDIA_TYPE_PDF = "application/pdf"
MEDIA_TYPE_DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
MEDIA_TYPE_TEXT = "text/plain"
MEDIA_TYPE_PNG = "image/png"
MEDIA_TYPE_JPEG = "image/jpeg"
MEDIA_TYPE_TIFF = "image/tiff"


@dataclass(frozen=True)
class ExtractionLimits:
    """Upper bounds that keep one document from exhausting the Lambda's memory or time."""

    max_bytes: int = 50 * 1024 * 1024
    max_pages: int = 2000
    max_characters: int = 20_000_000
    max_seconds: float = 240.0
    max_unzipped_bytes: int = 200 * 1024 * 1024  # a ZIP container's parts, all together
    max_cells: int = 5_000_000  # spreadsheet and CSV cells, empty ones inside rows included


class Deadline:
    """The moment extraction must give up: `max_seconds` after the deadline was made."""

    def __init__(self, max_seconds: float) -> None:
        self.max_seconds = max_seconds
        self._expires = time.monotonic() + max_seconds

    def check(self, kind: str, progress: str) -> None:
        """Raise `ExtractionTimeoutError` once the time is up; `progress` says how far it got."""
        if time.monotonic() > self._expires:
            raise ExtractionTimeoutError(
                f"Extracting the {kind} took longer than the limit of {self.max_seconds:g} s "
                f"(stopped {progress})."
            )


_DEADLINE: ContextVar[Deadline | None] = ContextVar("extraction_deadline", default=None)


@contextlib.contextmanager
def extraction_deadline(limits: ExtractionLimits) -> Iterator[Deadline]:
    """Start the clock of one extraction: every `PageAccumulator` inside shares it."""
    deadline = Deadline(limits.max_seconds)
    token = _DEADLINE.set(deadline)
    try:
        yield deadline
    finally:
        _DEADLINE.reset(token)


def current_deadline(limits: ExtractionLimits) -> Deadline:
    """The deadline of the extraction in progress, or a new one (for extractors called alone)."""
    return _DEADLINE.get() or Deadline(limits.max_seconds)


@dataclass(frozen=True)
class ExtractedText:
    """The text of a document, page by page, and how it was obtained.

    `media_type` is the IANA type detected from the content; `extractor` names the library
    that produced the text; `encoding` is the Python codec name the bytes were decoded with
    (plain text only, else None). `ocr_pages` lists the 1-based numbers of the pages that
    have (almost) no text layer but show an image: their text needs OCR (all pages of an
    image file). Their `Page.text` holds what little text layer there is (a stamp, a page
    number; usually nothing) until the OCR step replaces it.
    """

    media_type: str
    pages: tuple[Page, ...]
    extractor: str
    encoding: str | None
    ocr_pages: tuple[int, ...] = field(default=())

    @property
    def characters(self) -> int:
        """Total number of characters over all pages."""
        return sum(len(page.text) for page in self.pages)

    @property
    def has_text_beyond_ocr_pages(self) -> bool:
        """True when a page that does not need OCR has text."""
        ocr = set(self.ocr_pages)
        return any(has_text(page.text) for page in self.pages if page.number not in ocr)


DEFAULT_LIMITS = ExtractionLimits()

# A character a reader sees: not whitespace, not a Unicode format character (category Cf:
# soft hyphen, zero-width space/joiners, direction marks and isolates, word joiner, BOM).
_VISIBLE_RE = re.compile(
    r"[^\s\u00ad\u0600-\u0605\u061c\u06dd\u070f\u180e\u200b-\u200f\u202a-\u202e"
    r"\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb]"
)


def has_text(text: str) -> bool:
    """True when `text` holds at least one character that is neither whitespace nor an
    invisible format character (zero-width spaces and joiners, direction marks, BOM)."""
    return bool(_VISIBLE_RE.search(text))


class PageAccumulator:
    """Collects pages in order and enforces the page and character limits as they grow.

    Checking while accumulating (rather than at the end) stops a huge document early,
    before all of its text sits in memory.
    """

    def __init__(
        self, limits: ExtractionLimits, kind: str, deadline: Deadline | None = None
    ) -> None:
        self._limits = limits
        self._kind = kind
        self._deadline = deadline or current_deadline(limits)
        self._pages: list[Page] = []
        self._characters = 0

    def check_page_count(self, count: int) -> None:
        """Raise `DocumentTooLargeError` if a document of `count` pages exceeds the limit."""
        if count > self._limits.max_pages:
            raise DocumentTooLargeError(
                f"The {self._kind} has {count:,} pages; the limit is "
                f"{self._limits.max_pages:,} pages per document."
            )

    def add(self, text: str) -> None:
        """Clean `text` and append it as the next page."""
        self.check_page_count(len(self._pages) + 1)
        self._deadline.check(self._kind, f"after {len(self._pages):,} pages")
        text = clean_text(text)
        self._characters += len(text)
        if self._characters > self._limits.max_characters:
            raise DocumentTooLargeError(
                f"The {self._kind}'s text exceeds the limit of {self._limits.max_characters:,} "
                f"characters (reached {self._characters:,} by page {len(self._pages) + 1:,})."
            )
        self._pages.append(Page(number=len(self._pages) + 1, text=text))

    @property
    def pages(self) -> tuple[Page, ...]:
        """The pages collected so far."""
        return tuple(self._pages)

    @property
    def characters(self) -> int:
        """The characters collected so far."""
        return self._characters


def non_space_characters(pages: tuple[Page, ...]) -> int:
    """Count the characters that are not whitespace: a fair measure of how much text a page has."""
    return sum(len("".join(page.text.split())) for page in pages)


def require_text(result: ExtractedText, kind: str) -> ExtractedText:
    """Return `result`, or raise `EmptyDocumentError` when every page is blank."""
    if not any(has_text(page.text) for page in result.pages):
        pages = len(result.pages)
        raise EmptyDocumentError(
            f"The {kind} contains no text: {pages:,} page{'s' if pages != 1 else ''}, "
            "all blank or whitespace."
        )
    return result
