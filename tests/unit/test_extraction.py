"""Text extraction: type detection by content, text encodings, PDF, DOCX, limits and errors.

Every fixture is built here (fpdf2, python-docx, str.encode); nothing reads shared files.
"""

from __future__ import annotations

import codecs
import random
import struct

import pytest
from builders import (
    blank_pdf,
    docx_bytes,
    handmade_pdf,
    image_only_pdf,
    pdf_with_pages,
    rezip,
    zip_bytes,
)
from docx.document import Document as WordDocument
from docx.enum.section import WD_SECTION_START
from docx.enum.text import WD_BREAK
from docx.oxml import OxmlElement

from tasks.extract_text import ExtractedText, ExtractionLimits, extract_text
from tasks.extract_text import pdf as pdf_module
from tasks.shared.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    UnsupportedDocumentError,
)
from tasks.shared.models import Page

PDF = "application/pdf"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
TEXT = "text/plain"

SAMPLE = (
    "Quarterly report: revenue grew 12% \u2013 “strong” results in Zürich, Malmö and Kraków.\n"
    "東京 and 서울 offices opened; emoji 🚀 marks the launch.\n"
)
FRENCH = (
    "Le conseil municipal s'est réuni mercredi soir pour examiner le budget de l'année "
    "prochaine. Après un débat animé, les élus ont approuvé une hausse de 2,5 % des dépenses "
    "consacrées aux écoles, soit environ 150 000 € supplémentaires. « C'est un effort "
    "nécessaire », a déclaré la maire, qui a également annoncé la rénovation de la "
    "bibliothèque. Les travaux débuteront à l'été, après la fête de la musique."
)
SPANISH = (
    "El ayuntamiento aprobó el miércoles el presupuesto del año próximo. Tras un debate "
    "intenso, los concejales votaron un aumento del 2,5 % del gasto en educación, unos "
    "150.000 € más. «Es un esfuerzo necesario», declaró la alcaldesa, que también anunció la "
    "reforma de la biblioteca y la construcción de un mercado cubierto."
)
CZECH = (
    "Městské zastupitelstvo se ve středu večer sešlo, aby projednalo rozpočet na příští rok. "
    "Po dlouhé diskusi zastupitelé schválili zvýšení výdajů na školy o 2,5 procenta. Je to "
    "nutné úsilí, řekla starostka, která také oznámila rekonstrukci knihovny a stavbu "
    "krytého tržiště. Práce začnou v létě a potrvají téměř osm měsíců."
)
HEBREW = (
    "מועצת העיר התכנסה ביום רביעי בערב כדי לדון בתקציב לשנה הבאה. לאחר דיון ארוך אישרו "
    "חברי המועצה הגדלה של ההוצאות על בתי הספר. זהו מאמץ הכרחי, אמרה ראש העיר, שהודיעה גם "
    "על שיפוץ הספרייה ועל בניית שוק מקורה. העבודות יתחילו בקיץ ויימשכו כשמונה חודשים."
)
RUSSIAN = (
    "Городской совет собрался в среду вечером, чтобы обсудить бюджет на следующий год. После "
    "долгой дискуссии депутаты одобрили увеличение расходов на школы на два с половиной "  # noqa: RUF001
    "процента. Это необходимое усилие, сказала мэр, объявив также о ремонте библиотеки."  # noqa: RUF001
)


def texts(result: ExtractedText) -> list[str]:
    return [page.text for page in result.pages]


# --- plain text and encodings -------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (SAMPLE.encode("utf-8"), "utf-8"),
        (SAMPLE.encode("utf-8-sig"), "utf-8-sig"),
        (codecs.BOM_UTF16_LE + SAMPLE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF16_BE + SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (codecs.BOM_UTF32_LE + SAMPLE.encode("utf-32-le"), "utf-32-le"),
        (codecs.BOM_UTF32_BE + SAMPLE.encode("utf-32-be"), "utf-32-be"),
        (SAMPLE.encode("utf-16-be"), "utf-16-be"),
        (SAMPLE.encode("utf-16-le"), "utf-16-le"),
    ],
    ids=[
        "utf-8",
        "utf-8-bom",
        "utf-16le-bom",
        "utf-16be-bom",
        "utf-32le-bom",
        "utf-32be-bom",
        "utf-16be-no-bom",
        "utf-16le-no-bom",
    ],
)
def test_unicode_text_decodes_exactly_with_its_encoding(data: bytes, encoding: str) -> None:
    result = extract_text(data)

    assert result.media_type == TEXT
    assert result.extractor == "text"
    assert result.encoding == encoding
    assert texts(result) == [SAMPLE.strip()]
    assert "\ufeff" not in result.pages[0].text


@pytest.mark.parametrize(
    ("text", "encoding", "expected_encoding"),
    [
        (FRENCH, "cp1252", "cp1252"),
        (SPANISH, "cp1252", "cp1252"),
        (CZECH, "iso-8859-2", "iso8859-2"),
        (CZECH, "cp1250", "cp1250"),
        (RUSSIAN, "cp1251", "cp1251"),
        (RUSSIAN, "koi8-r", "koi8-r"),
        # Hebrew letters sit at the same bytes in ISO-8859-8 and cp1255; either name is right.
        (HEBREW, "iso-8859-8", None),
    ],
    ids=[
        "cp1252-fr",
        "cp1252-es",
        "iso-8859-2-cs",
        "cp1250-cs",
        "cp1251-ru",
        "koi8-r-ru",
        "iso-8859-8-he",
    ],
)
def test_legacy_encoded_paragraph_decodes_exactly(
    text: str, encoding: str, expected_encoding: str | None
) -> None:
    result = extract_text(text.encode(encoding))

    assert texts(result) == [text]
    if expected_encoding is not None:
        assert result.encoding == expected_encoding


def test_utf16_without_bom_cut_mid_character_keeps_the_rest() -> None:
    data = SAMPLE.encode("utf-16-be") + b"\x00"

    result = extract_text(data)

    assert (result.encoding, texts(result)) == ("utf-16-be", [SAMPLE.strip()])


def test_euro_sign_and_accents_survive_cp1252() -> None:
    result = extract_text("Prix : 15 € — café, crème brûlée, naïve façade.".encode("cp1252"))

    assert result.pages[0].text == "Prix : 15 € — café, crème brûlée, naïve façade."


def test_newlines_are_normalized_and_nul_bytes_dropped() -> None:
    data = b"line one\r\nline two\rline three\nmid\x00word\n" + b"\x00" * 16

    result = extract_text(data)

    assert result.pages[0].text == "line one\nline two\nline three\nmidword"


def test_form_feeds_split_pages_and_a_final_one_adds_no_page() -> None:
    result = extract_text(b"first page\fsecond page\f\fafter a blank page\f")

    assert result.pages == (
        Page(1, "first page"),
        Page(2, "second page"),
        Page(3, ""),
        Page(4, "after a blank page"),
    )
    assert result.characters == sum(len(page.text) for page in result.pages)


def test_whitespace_only_text_is_empty() -> None:
    with pytest.raises(EmptyDocumentError, match="no text"):
        extract_text(b" \r\n\t\n\f  \n")


def test_zero_bytes_is_empty() -> None:
    with pytest.raises(EmptyDocumentError, match="0 bytes"):
        extract_text(b"")


def test_random_binary_is_unsupported() -> None:
    data = random.Random(20261123).randbytes(8192)

    with pytest.raises(UnsupportedDocumentError, match="not text"):
        extract_text(data)


def test_binary_records_full_of_nul_bytes_are_unsupported() -> None:
    data = b"".join(struct.pack("<IIdH", i, i * 7, i / 3, 65) for i in range(500))

    with pytest.raises(UnsupportedDocumentError, match="not text"):
        extract_text(data)


@pytest.mark.parametrize(
    ("data", "what"),
    [
        (b"GIF89a" + bytes(64), "GIF image"),
        (b"{\\rtf1\\ansi Hello}", "RTF"),
    ],
    ids=["gif", "rtf"],
)
def test_known_binary_formats_are_named_when_refused(data: bytes, what: str) -> None:
    with pytest.raises(UnsupportedDocumentError, match=what):
        extract_text(data)


# --- detection by content -----------------------------------------------------------------


def test_text_that_starts_like_a_pdf_is_read_as_a_damaged_pdf() -> None:
    # Only the bytes count: content that opens with a PDF header is a PDF, whatever its name.
    with pytest.raises(CorruptDocumentError, match="PDF"):
        extract_text(b"%PDF-1.7\nThis is really just a note someone typed.\n")


def test_prose_mentioning_the_pdf_header_stays_text() -> None:
    note = b"How to spot a PDF: the file begins with %PDF-1.7 followed by a binary comment.\n"

    result = extract_text(note)

    assert result.media_type == TEXT
    assert "%PDF-1.7" in result.pages[0].text


def test_pdf_after_leading_junk_is_still_a_pdf() -> None:
    data = b"From: scanner@example.com\r\nContent-Type: application/pdf\r\n\r\n" + pdf_with_pages(
        ["Report body after a mail preamble."]
    )

    result = extract_text(data)

    assert result.media_type == PDF
    assert texts(result) == ["Report body after a mail preamble."]


def test_docx_is_detected_from_bytes_alone() -> None:
    data = docx_bytes(lambda document: document.add_paragraph("Detected by its parts."))

    result = extract_text(data)

    assert result.media_type == DOCX
    assert result.extractor == "python-docx"
    assert result.encoding is None


def test_zip_without_a_word_document_is_unsupported() -> None:
    data = zip_bytes({"notes.txt": b"hello", "data/table.csv": b"a,b\n1,2\n"})

    with pytest.raises(UnsupportedDocumentError, match="ZIP archive"):
        extract_text(data)


def test_opendocument_zip_is_named_when_refused() -> None:
    data = zip_bytes({"mimetype": b"application/vnd.oasis.opendocument.text", "content.xml": b""})

    with pytest.raises(UnsupportedDocumentError, match="OpenDocument"):
        extract_text(data)


# --- PDF ----------------------------------------------------------------------------------


def test_three_page_pdf_keeps_each_page_text() -> None:
    data = pdf_with_pages(["Alpha page text.", "Beta page text.", "Gamma page text."])

    result = extract_text(data)

    assert result.media_type == PDF
    assert result.extractor == "pypdfium2"
    assert result.encoding is None
    assert result.pages == (
        Page(1, "Alpha page text."),
        Page(2, "Beta page text."),
        Page(3, "Gamma page text."),
    )


def test_pdf_lines_use_plain_newlines() -> None:
    data = pdf_with_pages(["First line\nSecond line"])

    result = extract_text(data)

    assert result.pages[0].text == "First line\nSecond line"


def test_pdf_with_a_user_password_is_encrypted() -> None:
    data = pdf_with_pages(["Secret plans."], user_password="open-sesame", owner_password="owner")

    with pytest.raises(EncryptedDocumentError, match="password") as raised:
        extract_text(data)
    assert raised.value.__cause__ is not None


def test_pdf_with_only_an_owner_password_opens_and_extracts() -> None:
    # Permission ("copy protection") passwords leave the user password empty.
    data = pdf_with_pages(["Readable despite restrictions."], owner_password="owner")

    result = extract_text(data)

    assert texts(result) == ["Readable despite restrictions."]


@pytest.mark.parametrize("keep", [0.3, 0.6], ids=["30%", "60%"])
def test_truncated_pdf_is_corrupt(keep: float) -> None:
    data = pdf_with_pages(["Some text that will be cut off."] * 3)

    with pytest.raises(CorruptDocumentError, match="damaged") as raised:
        extract_text(data[: int(len(data) * keep)])
    assert raised.value.__cause__ is not None


def test_garbled_pdf_is_corrupt() -> None:
    data = b"%PDF-1.7\n" + random.Random(7).randbytes(4096)

    with pytest.raises(CorruptDocumentError):
        extract_text(data)


def test_image_only_pdf_is_listed_for_ocr() -> None:
    # No text layer is not an error: the OCR step reads the page.
    result = extract_text(image_only_pdf())

    assert (texts(result), result.ocr_pages) == ([""], (1,))


def test_blank_pages_pdf_is_empty() -> None:
    with pytest.raises(EmptyDocumentError, match="All 3 pages of the PDF are blank"):
        extract_text(blank_pdf(pages=3))


def test_pdf_pdfium_cannot_open_is_read_by_pdfminer() -> None:
    # Given a catalog without a page tree (as in real files with "invalid /Pages"): pdfium
    # refuses it, pdfminer finds the page objects by scanning.
    data = handmade_pdf("Recovered by the fallback reader", catalog="<< /Type /Catalog >>")

    result = extract_text(data)

    assert result.extractor == "pdfminer"
    assert texts(result) == ["Recovered by the fallback reader"]


def test_pdf_where_pdfium_finds_no_text_but_pdfminer_does_uses_pdfminer() -> None:
    # Given a page tree that points at the wrong object: pdfium opens it with one page and
    # no text; pdfminer finds the real page.
    data = handmade_pdf("Only pdfminer sees this", catalog="<< /Type /Catalog /Pages 5 0 R >>")

    result = extract_text(data)

    assert result.extractor == "pdfminer"
    assert texts(result) == ["Only pdfminer sees this"]


def test_rich_pdfium_text_does_not_consult_pdfminer(monkeypatch: pytest.MonkeyPatch) -> None:
    def fail(*args: object, **kwargs: object) -> None:
        raise AssertionError("pdfminer must not run when pdfium read every page")

    monkeypatch.setattr(pdf_module, "extract_pages", fail)

    result = extract_text(pdf_with_pages(["A page with well over twenty characters of text."]))

    assert result.extractor == "pypdfium2"


# --- DOCX ---------------------------------------------------------------------------------


def report(document: WordDocument) -> None:
    section = document.sections[0]
    section.header.paragraphs[0].text = "ACME Confidential"
    section.footer.paragraphs[0].text = "Internal use only"
    document.add_heading("Annual Report", level=1)
    document.add_paragraph("Introduction paragraph.")
    table = document.add_table(rows=2, cols=3)
    for row, values in zip(
        table.rows, [("Item", "Qty", "Price"), ("Widget", "3", "9.99")], strict=True
    ):
        for cell, value in zip(row.cells, values, strict=True):
            cell.text = value
    document.add_paragraph("After the table.")
    document.add_page_break()
    document.add_paragraph("Second page paragraph.")


def test_docx_body_tables_headers_footers_and_page_break() -> None:
    # Given a report with a header, a footer, a table and one explicit page break
    data = docx_bytes(report)

    # When it is extracted
    result = extract_text(data)

    # Then the break splits two pages, the table reads row by row in body order, and the
    # header and footer appear once each, at the start and the end.
    assert result.media_type == DOCX
    assert texts(result) == [
        "ACME Confidential\n\nAnnual Report\n\nIntroduction paragraph.\n\n"
        "Item | Qty | Price\nWidget | 3 | 9.99\n\nAfter the table.",
        "Second page paragraph.\n\nInternal use only",
    ]


def test_docx_without_page_breaks_is_one_page() -> None:
    def build(document: WordDocument) -> None:
        for number in range(1, 40):
            document.add_paragraph(f"Paragraph {number} of a long document.")

    result = extract_text(docx_bytes(build))

    assert len(result.pages) == 1
    assert result.pages[0].text.count("\n\n") == 38


def test_docx_page_break_inside_a_paragraph_splits_it() -> None:
    def build(document: WordDocument) -> None:
        paragraph = document.add_paragraph()
        paragraph.add_run("before the break")
        paragraph.add_run().add_break(WD_BREAK.PAGE)
        paragraph.add_run("after the break")

    assert texts(extract_text(docx_bytes(build))) == ["before the break", "after the break"]


def test_docx_line_breaks_stay_inside_the_page() -> None:
    def build(document: WordDocument) -> None:
        paragraph = document.add_paragraph()
        paragraph.add_run("line one")
        paragraph.add_run().add_break(WD_BREAK.LINE)
        paragraph.add_run("line two")

    assert texts(extract_text(docx_bytes(build))) == ["line one\nline two"]


def test_docx_rendered_page_break_marks_are_ignored() -> None:
    # lastRenderedPageBreak records where Word last laid out a page: not a real break.
    def build(document: WordDocument) -> None:
        document.add_paragraph("first paragraph")
        run = document.add_paragraph().add_run("second paragraph")
        run._r.insert(0, OxmlElement("w:lastRenderedPageBreak"))

    assert texts(extract_text(docx_bytes(build))) == ["first paragraph\n\nsecond paragraph"]


def test_docx_page_break_before_and_trailing_break() -> None:
    def build(document: WordDocument) -> None:
        document.add_paragraph("chapter one")
        document.add_paragraph("chapter two").paragraph_format.page_break_before = True
        document.add_page_break()  # at the very end: no empty third page

    assert texts(extract_text(docx_bytes(build))) == ["chapter one", "chapter two"]


def test_docx_trailing_break_keeps_the_footer_on_the_last_page() -> None:
    def build(document: WordDocument) -> None:
        document.sections[0].footer.paragraphs[0].text = "Footer text"
        document.add_paragraph("only page")
        document.add_page_break()

    assert texts(extract_text(docx_bytes(build))) == ["only page\n\nFooter text"]


def test_docx_sections_on_new_pages_split_pages_and_linked_headers_appear_once() -> None:
    def build(document: WordDocument) -> None:
        document.sections[0].header.paragraphs[0].text = "Running header"
        document.add_paragraph("section one")
        document.add_section(WD_SECTION_START.NEW_PAGE)  # header linked to the previous one
        document.add_paragraph("section two")
        document.add_section(WD_SECTION_START.CONTINUOUS)
        document.add_paragraph("still page two")

    result = extract_text(docx_bytes(build))

    assert texts(result) == ["Running header\n\nsection one", "section two\n\nstill page two"]


def test_docx_vertically_merged_cells_read_once() -> None:
    def build(document: WordDocument) -> None:
        table = document.add_table(rows=2, cols=2)
        table.cell(0, 0).text = "Region"
        table.cell(0, 1).text = "North"
        table.cell(1, 1).text = "South"
        table.cell(0, 0).merge(table.cell(1, 0))

    assert texts(extract_text(docx_bytes(build))) == ["Region | North\n | South"]


def test_docx_with_only_empty_paragraphs_is_empty() -> None:
    def build(document: WordDocument) -> None:
        document.add_paragraph("   ")
        document.add_paragraph("")

    with pytest.raises(EmptyDocumentError):
        extract_text(docx_bytes(build))


def test_truncated_docx_is_corrupt() -> None:
    data = docx_bytes(report)

    with pytest.raises(CorruptDocumentError, match="ZIP"):
        extract_text(data[: len(data) // 2])


def test_docx_with_broken_xml_is_corrupt() -> None:
    data = rezip(docx_bytes(report), {"word/document.xml": lambda xml: xml[: len(xml) // 2]})

    with pytest.raises(CorruptDocumentError, match="damaged") as raised:
        extract_text(data)
    assert raised.value.__cause__ is not None


def test_macro_enabled_word_file_is_unsupported() -> None:
    docm = b"application/vnd.ms-word.document.macroEnabled.main+xml"
    data = rezip(
        docx_bytes(report),
        {
            "[Content_Types].xml": lambda xml: xml.replace(
                b"application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml",
                docm,
            )
        },
    )

    with pytest.raises(UnsupportedDocumentError, match="DOCM"):
        extract_text(data)


def test_docx_zip_bomb_is_refused_from_the_directory() -> None:
    # 8 MB of zeros deflates to a few KB: a ratio no real document reaches.
    data = zip_bytes(
        {"word/document.xml": b"<w:document/>", "word/media/padding.bin": bytes(8 * 1024 * 1024)}
    )

    with pytest.raises(DocumentTooLargeError, match="zip bomb"):
        extract_text(data)


# --- limits -------------------------------------------------------------------------------


def three_page_inputs() -> list[tuple[str, bytes]]:
    def three_page_docx(document: WordDocument) -> None:
        for number in (1, 2, 3):
            if number > 1:
                document.add_page_break()
            document.add_paragraph(f"Page {number} has some words on it.")

    return [
        ("pdf", pdf_with_pages([f"Page {n} has some words on it." for n in (1, 2, 3)])),
        ("docx", docx_bytes(three_page_docx)),
        ("text", "\f".join(f"Page {n} has some words on it." for n in (1, 2, 3)).encode()),
    ]


@pytest.mark.parametrize(("kind", "data"), three_page_inputs(), ids=["pdf", "docx", "text"])
def test_each_kind_keeps_three_pages_within_limits(kind: str, data: bytes) -> None:
    result = extract_text(data, ExtractionLimits(max_pages=3, max_characters=200))

    assert [page.number for page in result.pages] == [1, 2, 3]
    assert result.pages[2].text == "Page 3 has some words on it."


@pytest.mark.parametrize(("kind", "data"), three_page_inputs(), ids=["pdf", "docx", "text"])
def test_too_many_pages_is_too_large(kind: str, data: bytes) -> None:
    with pytest.raises(DocumentTooLargeError, match="3 pages; the limit is 2"):
        extract_text(data, ExtractionLimits(max_pages=2))


@pytest.mark.parametrize(("kind", "data"), three_page_inputs(), ids=["pdf", "docx", "text"])
def test_too_many_characters_is_too_large(kind: str, data: bytes) -> None:
    with pytest.raises(DocumentTooLargeError, match="limit of 50 characters"):
        extract_text(data, ExtractionLimits(max_characters=50))


@pytest.mark.parametrize(("kind", "data"), three_page_inputs(), ids=["pdf", "docx", "text"])
def test_too_many_bytes_is_too_large_before_parsing(kind: str, data: bytes) -> None:
    limit = len(data) - 1

    with pytest.raises(DocumentTooLargeError, match=f"{len(data):,} bytes; the limit is {limit:,}"):
        extract_text(data, ExtractionLimits(max_bytes=limit))
