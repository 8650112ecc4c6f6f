"""PDF pages one by one: pdfium's text, pdfminer for what pdfium cannot read, scans for OCR.

Every fixture is built here: fpdf2 for ordinary and scanned pages, `drawn_pdf` for pages
written operator by operator (vertical Japanese text, pictures inside form XObjects).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from builders import (
    PICTURE,
    PICTURE_IN_FORM,
    drawn_pdf,
    handmade_pdf,
    latin_text,
    pdf_with_pages,
    scanned_pdf,
    vertical_cjk_text,
)
from pdfminer.high_level import extract_pages

from tasks.extract_text import ExtractedText, ExtractionLimits, common, extract_text
from tasks.extract_text import pdf as pdf_module
from tasks.extract_text.common import Deadline
from tasks.extract_text.pdf import PageContent, PdfiumReading, combine
from tasks.shared.errors import DocumentTooLargeError, EmptyDocumentError, ExtractionTimeoutError
from tasks.shared.models import Page

VERTICAL = "日本語の縦書きテキスト"
LATIN = "A first page with plenty of ordinary Latin text on it."


def texts(result: ExtractedText) -> list[str]:
    return [page.text for page in result.pages]


@pytest.fixture
def pdfminer_calls(monkeypatch: pytest.MonkeyPatch) -> list[dict[str, Any]]:
    """The keyword arguments of every call to pdfminer, which still runs."""
    calls: list[dict[str, Any]] = []

    def spy(*args: Any, **kwargs: Any) -> Iterator[Any]:
        calls.append(kwargs)
        return extract_pages(*args, **kwargs)

    monkeypatch.setattr(pdf_module, "extract_pages", spy)
    return calls


# --- scans: pages for OCR -----------------------------------------------------------------


def test_a_scanned_page_is_listed_for_ocr_and_is_not_an_error() -> None:
    result = extract_text(scanned_pdf([None]))

    assert result.ocr_pages == (1,)
    assert texts(result) == [""]
    assert result.extractor == "pypdfium2"


def test_a_mixed_pdf_keeps_the_text_page_and_lists_the_scan(
    pdfminer_calls: list[dict[str, Any]],
) -> None:
    # Given a typed page followed by a scanned one
    data = scanned_pdf([LATIN, None])

    # When it is extracted
    result = extract_text(data)

    # Then page 1 keeps pdfium's text, page 2 waits for OCR, and pdfminer was not needed
    assert texts(result) == [LATIN, ""]
    assert result.ocr_pages == (2,)
    assert result.extractor == "pypdfium2"
    assert pdfminer_calls == []


def test_a_picture_inside_a_form_xobject_is_found() -> None:
    result = extract_text(drawn_pdf([[latin_text(LATIN)], [PICTURE_IN_FORM], [PICTURE]]))

    assert result.ocr_pages == (2, 3)


def test_a_scan_with_a_few_characters_stamped_on_it_still_goes_to_ocr() -> None:
    # A Bates number or "received" stamp is not the page's text; OCR replaces it.
    result = extract_text(drawn_pdf([[PICTURE, latin_text("ABC-000123")]]))

    assert result.ocr_pages == (1,)
    assert texts(result) == ["ABC-000123"]


def test_a_page_with_text_and_a_picture_is_not_for_ocr() -> None:
    result = extract_text(drawn_pdf([[PICTURE, latin_text(LATIN)]]))

    assert result.ocr_pages == ()


def test_a_blank_page_next_to_a_scan_is_neither_text_nor_ocr() -> None:
    result = extract_text(drawn_pdf([[PICTURE], [], [latin_text(LATIN)]]))

    assert result.ocr_pages == (1,)
    assert texts(result) == ["", "", LATIN]


def test_a_file_pdfium_cannot_open_and_pdfminer_finds_no_text_in_is_empty() -> None:
    # pdfminer reads it whole, but without pdfium no page can be prepared for OCR.
    data = handmade_pdf("", catalog="<< /Type /Catalog >>")

    with pytest.raises(EmptyDocumentError, match="too damaged to prepare for OCR"):
        extract_text(data)


# --- pages pdfium cannot read: pdfminer -----------------------------------------------------


def test_vertical_japanese_that_pdfium_cannot_read_comes_from_pdfminer() -> None:
    # pdfium finds the text object but no text in it; pdfminer reads the vertical line.
    result = extract_text(drawn_pdf([[vertical_cjk_text(VERTICAL)]]))

    assert texts(result) == [VERTICAL]
    assert result.extractor == "pdfminer"
    assert result.ocr_pages == ()


def test_only_the_unreadable_pages_go_to_pdfminer_in_one_pass(
    pdfminer_calls: list[dict[str, Any]],
) -> None:
    # Given a Latin page, two vertical Japanese pages and a short Latin page
    data = drawn_pdf(
        [
            [latin_text(LATIN)],
            [vertical_cjk_text(VERTICAL)],
            [vertical_cjk_text("縦書き")],
            [latin_text("Notes")],
        ]
    )

    # When it is extracted
    result = extract_text(data)

    # Then pdfminer read pages 2 and 3 (0-based 1 and 2) only, in one call, and each page
    # has the text of the library that could read it
    assert [call.get("page_numbers") for call in pdfminer_calls] == [[1, 2]]
    assert texts(result) == [LATIN, VERTICAL, "縦書き", "Notes"]
    assert result.extractor == "pypdfium2+pdfminer"


def test_short_text_that_pdfium_reads_fully_does_not_consult_pdfminer(
    pdfminer_calls: list[dict[str, Any]],
) -> None:
    result = extract_text(pdf_with_pages(["Name", "Check"]))

    assert pdfminer_calls == []
    assert result.extractor == "pypdfium2"
    assert texts(result) == ["Name", "Check"]


def test_when_pdfminer_fails_on_the_unreadable_pages_pdfiums_text_stands(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def broken(*args: Any, **kwargs: Any) -> Iterator[Any]:
        raise ValueError("pdfminer chokes on this file")

    monkeypatch.setattr(pdf_module, "extract_pages", broken)

    result = extract_text(drawn_pdf([[latin_text(LATIN)], [vertical_cjk_text(VERTICAL)]]))

    assert texts(result) == [LATIN, ""]
    assert result.extractor == "pypdfium2"


def test_pdfminer_text_counts_against_the_character_limit() -> None:
    data = drawn_pdf([[vertical_cjk_text(VERTICAL)]])

    with pytest.raises(DocumentTooLargeError, match="limit of 5 characters"):
        extract_text(data, ExtractionLimits(max_characters=5))


# --- choosing a page's text -----------------------------------------------------------------


def reading(*pdfium_texts: str, unreadable: bool = True, images: bool = False) -> PdfiumReading:
    pages = tuple(Page(number, text) for number, text in enumerate(pdfium_texts, start=1))
    content = PageContent(unreadable_text=unreadable, images=images)
    return PdfiumReading(pages, {page.number: content for page in pages})


def choose(pdfium: PdfiumReading, pdfminer: dict[int, str]) -> ExtractedText:
    return combine(pdfium, pdfminer, ExtractionLimits(), Deadline(60))


@pytest.mark.parametrize(
    ("pdfium_text", "pdfminer_text", "kept"),
    [
        ("", "seen only by pdfminer", "seen only by pdfminer"),
        ("12345", "12345678901", "12345678901"),  # more than twice as much
        ("12345", "1234567890", "12345"),  # exactly twice: not clearly richer
        ("p. 3", "(cid:12)(cid:7)(cid:40)(cid:3)(cid:9)", "p. 3"),  # unmapped glyphs
    ],
    ids=["nothing", "richer", "not-richer", "unmapped-glyphs"],
)
def test_pdfminer_text_is_kept_only_when_clearly_richer(
    pdfium_text: str, pdfminer_text: str, kept: str
) -> None:
    result = choose(reading(pdfium_text), {1: pdfminer_text})

    assert texts(result) == [kept]


def test_a_page_still_without_text_after_pdfminer_goes_to_ocr_if_it_has_a_picture() -> None:
    result = choose(reading("", "", images=True), {1: "Caption under the picture"})

    assert texts(result) == ["Caption under the picture", ""]
    assert result.ocr_pages == (2,)
    assert result.extractor == "pdfminer"


def test_pages_pdfminer_does_not_reach_keep_pdfiums_text() -> None:
    result = choose(reading("", "x"), {1: "First page by pdfminer", 7: "no such page"})

    assert texts(result) == ["First page by pdfminer", "x"]
    assert result.extractor == "pypdfium2+pdfminer"


# --- time limit -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        pdf_with_pages(["Page one.", "Page two."]),
        handmade_pdf("Read by pdfminer alone", catalog="<< /Type /Catalog >>"),
    ],
    ids=["pdfium", "pdfminer-whole-file"],
)
def test_an_expired_deadline_stops_pdf_extraction(data: bytes) -> None:
    # A deadline already past when extraction starts: no clock needs to move.
    with pytest.raises(ExtractionTimeoutError, match="PDF took longer than the limit"):
        extract_text(data, ExtractionLimits(max_seconds=-1))


class TickingClock:
    """A monotonic clock that moves one second each time it is read."""

    def __init__(self) -> None:
        self.now = 0.0

    def monotonic(self) -> float:
        self.now += 1.0
        return self.now


def test_the_deadline_is_checked_between_the_pages_pdfminer_reads(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given a clock read once when the deadline is set, once as pdfium adds the page (1 s,
    # within the limit) and once after pdfminer has read it (2 s, past the limit)
    monkeypatch.setattr(common, "time", TickingClock())

    with pytest.raises(ExtractionTimeoutError, match="after reading page 1 with pdfminer"):
        extract_text(drawn_pdf([[vertical_cjk_text(VERTICAL)]]), ExtractionLimits(max_seconds=1.5))
