"""Text extraction of HTML, e-mail (EML and Outlook MSG), PPTX, XLSX and CSV.

Every fixture is built here (python-pptx, openpyxl, str.encode, a minimal OLE2 writer);
nothing reads shared files.
"""

from __future__ import annotations

import base64
import codecs
import datetime
import struct

import pytest
from builders import ole_file, pptx_bytes, rezip, xlsx_bytes, zip_bytes
from openpyxl import Workbook
from pptx.presentation import Presentation as PowerPointPresentation
from pptx.util import Inches

from tasks.extract_text import ExtractedText, ExtractionLimits, extract_text
from tasks.extract_text.msg import message_text
from tasks.shared.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    EncryptedDocumentError,
    ExtractionTimeoutError,
    UnsupportedDocumentError,
)

HTML = "text/html"
EMAIL = "message/rfc822"
PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"
MSG = "application/vnd.ms-outlook"
TEXT = "text/plain"


def only_page(result: ExtractedText) -> str:
    assert len(result.pages) == 1
    return result.pages[0].text


# --- HTML ---------------------------------------------------------------------------------

PAGE = """<!DOCTYPE html>
<html><head><title>Tab title</title><meta name="description" content="meta words">
<style>body { color: red }</style><script>var hidden = "script words";</script></head>
<body>
<h1>Annual  report</h1><p>Revenue grew
 in Zürich &amp; Malmö.</p>
<div>First line<br>Second line</div>
<noscript>Enable JavaScript</noscript><template><p>template words</p></template>
<div style="display: none">hidden words</div><p hidden>also hidden</p>
<table><tr><th>Region</th><th>Sales</th></tr>
<tr><td><p>North</p></td><td>12</td></tr><tr><td>South<td>7</table>
<ul><li>one</li><li>two</li></ul>
</body></html>"""


def test_html_keeps_visible_text_blocks_and_table_rows() -> None:
    result = extract_text(PAGE.encode("utf-8"))

    assert result.media_type == HTML
    assert result.extractor == "html.parser"
    assert only_page(result) == (
        "Annual report\n\nRevenue grew in Zürich & Malmö.\n\nFirst line\nSecond line\n\n"
        "Region | Sales\nNorth | 12\nSouth | 7\n\none\ntwo"
    )


@pytest.mark.parametrize(
    "hidden",
    [
        "Tab title",
        "meta words",
        "color: red",
        "script words",
        "Enable JavaScript",
        "template words",
        "hidden words",
        "also hidden",
    ],
)
def test_html_drops_what_a_reader_does_not_see(hidden: str) -> None:
    assert hidden not in only_page(extract_text(PAGE.encode("utf-8")))


def test_html_preformatted_text_keeps_its_lines() -> None:
    data = b"<html><body><pre>a  b\n  c</pre><p>after</p></body></html>"

    assert only_page(extract_text(data)) == "a  b\n  c\n\nafter"


def test_html_nested_table_stays_in_its_cell() -> None:
    data = (
        b"<html><body><table><tr><td>outer</td><td><table><tr><td>in1</td><td>in2</td></tr>"
        b"</table></td></tr><tr><td>next</td></tr></table></body></html>"
    )

    assert only_page(extract_text(data)) == "outer | in1 | in2\nnext"


FRENCH_PAGE = "<!DOCTYPE html><html><body><p>Café crème à 3,50 € - très bon.</p></body></html>"


@pytest.mark.parametrize(
    ("data", "encoding"),
    [
        (codecs.BOM_UTF16_LE + FRENCH_PAGE.encode("utf-16-le"), "utf-16-le"),
        (FRENCH_PAGE.encode("utf-16-le"), "utf-16-le"),
        (codecs.BOM_UTF8 + FRENCH_PAGE.encode("utf-8"), "utf-8-sig"),
        (
            FRENCH_PAGE.replace(
                "<html>", '<html><head><meta charset="windows-1252"></head>'
            ).encode("cp1252"),
            "cp1252",
        ),
        (
            FRENCH_PAGE.replace(
                "<html>",
                '<html><head><meta http-equiv="Content-Type" '
                'content="text/html; charset=iso-8859-15"></head>',
            ).encode("iso-8859-15"),
            "iso8859-15",
        ),
        (FRENCH_PAGE.encode("cp1252"), "cp1252"),
    ],
    ids=["utf16-bom", "utf16-no-bom", "utf8-bom", "meta-charset", "http-equiv", "sniffed"],
)
def test_html_charset_from_bom_declaration_or_sniffing(data: bytes, encoding: str) -> None:
    result = extract_text(data)

    assert result.media_type == HTML
    assert result.encoding == encoding
    assert only_page(result) == "Café crème à 3,50 € - très bon."


def test_html_declared_latin1_is_read_as_cp1252_like_browsers() -> None:
    data = b'<html><head><meta charset="iso-8859-1"></head><body>\x93quoted\x94 \x80</body></html>'

    result = extract_text(data)

    assert result.encoding == "cp1252"
    assert only_page(result) == "“quoted” €"


def test_html_after_xml_declaration_and_comments_is_detected() -> None:
    data = b'<?xml version="1.0"?>\n<!-- generator banner -->\n<html><body>Filing</body></html>'

    assert extract_text(data).media_type == HTML


def test_text_mentioning_html_tags_stays_plain_text() -> None:
    data = b"Remember to close the <html> element and the <body> too.\n"

    assert extract_text(data).media_type == TEXT


def test_html_without_visible_text_is_empty() -> None:
    data = b"<html><head><title>Only a title</title></head><body><script>x()</script></body></html>"

    with pytest.raises(EmptyDocumentError, match="HTML"):
        extract_text(data)


# --- e-mail -------------------------------------------------------------------------------


def mail(*lines: str, body: bytes = b"") -> bytes:
    return ("\r\n".join(lines) + "\r\n\r\n").encode("ascii") + body


def test_plain_email_gives_headers_body_and_attachment_names() -> None:
    data = mail(
        "From: Ana <ana@example.com>",
        "To: Bo <bo@example.com>",
        "Cc: cy@example.com",
        "Date: Tue, 15 Jul 2008 21:49:00 +0300",
        "Subject: =?utf-8?B?UXVhcnRlcmx5IHJlcG9ydCDinJM=?=",
        "MIME-Version: 1.0",
        'Content-Type: multipart/mixed; boundary="XX"',
        body=(
            b"--XX\r\nContent-Type: text/plain; charset=utf-8\r\n"
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\n"
            b"Numbers are in, =C3=A0 bient=C3=B4t.\r\n"
            b"--XX\r\nContent-Type: application/pdf\r\nContent-Disposition: attachment; "
            b'filename="q3.pdf"\r\nContent-Transfer-Encoding: base64\r\n\r\n'
            b"JVBERi0xLjQ=\r\n--XX--\r\n"
        ),
    )

    result = extract_text(data)

    assert result.media_type == EMAIL
    assert result.extractor == "email"
    assert only_page(result) == (
        "From: Ana <ana@example.com>\nTo: Bo <bo@example.com>\nCc: cy@example.com\n"
        "Date: Tue, 15 Jul 2008 21:49:00 +0300\nSubject: Quarterly report ✓\n\n"
        "Numbers are in, à bientôt.\n\nAttachments: q3.pdf"
    )


def test_html_only_email_body_is_converted_to_text() -> None:
    data = mail(
        "From: news@example.com",
        "Subject: Offer",
        "MIME-Version: 1.0",
        "Content-Type: text/html; charset=utf-8",
        body=b"<html><body><style>p{}</style><p>Big <b>sale</b></p><p>today</p></body></html>",
    )

    assert only_page(extract_text(data)).endswith("Subject: Offer\n\nBig sale\n\ntoday")


def test_email_prefers_the_plain_alternative() -> None:
    data = mail(
        "From: a@example.com",
        "Subject: Alt",
        "MIME-Version: 1.0",
        'Content-Type: multipart/alternative; boundary="B"',
        body=b"--B\r\nContent-Type: text/html\r\n\r\n<p>html version</p>\r\n"
        b"--B\r\nContent-Type: text/plain\r\n\r\nplain version\r\n--B--\r\n",
    )

    text = only_page(extract_text(data))

    assert "plain version" in text
    assert "html version" not in text


@pytest.mark.parametrize(
    "charset", ["windows-1255", "utf_8_is_wrong", "utf-8"], ids=["declared", "unknown", "wrong"]
)
def test_email_body_with_unknown_or_wrong_charset_is_sniffed(charset: str) -> None:
    hebrew = "מועצת העיר התכנסה ביום רביעי בערב כדי לדון בתקציב לשנה הבאה ואישרה אותו."
    data = mail(
        "From: a@example.com",
        "Subject: =?windows-1255?B?" + base64.b64encode("שלום".encode("cp1255")).decode() + "?=",
        "MIME-Version: 1.0",
        f"Content-Type: text/plain; charset={charset}",
        body=hebrew.encode("cp1255"),
    )

    text = only_page(extract_text(data))

    assert "Subject: שלום" in text
    assert text.endswith(hebrew)


def test_email_with_mbox_separator_and_malformed_content_type_reads() -> None:
    data = b"From someone@example.com Wed Jul 16 06:24:10 2008\n" + mail(
        "From: a@example.com",
        "To: b@example.com",
        "Subject: Broken type",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=utf-8Content-Transfer-Encoding: quoted-printable",
        body=b"Body survives.",
    )

    text = only_page(extract_text(data))

    assert text.startswith("From: a@example.com\n")
    assert text.endswith("Subject: Broken type\n\nBody survives.")


@pytest.mark.parametrize(
    "content_type",
    [
        'application/pkcs7-mime; smime-type=enveloped-data; name="smime.p7m"',
        'multipart/encrypted; protocol="application/pgp-encrypted"; boundary="E"',
    ],
    ids=["smime", "pgp"],
)
def test_encrypted_email_is_encrypted(content_type: str) -> None:
    data = mail(
        "From: a@example.com",
        "To: b@example.com",
        "MIME-Version: 1.0",
        f"Content-Type: {content_type}",
        body=b"MIAGCSqGSIb3DQEHA6CAMIACAQAxggE=\r\n",
    )

    with pytest.raises(EncryptedDocumentError, match="encrypted"):
        extract_text(data)


def test_memo_with_a_subject_line_stays_plain_text() -> None:
    data = b"Subject: lunch\nTo: team\n\nPizza at noon.\n"

    assert extract_text(data).media_type == TEXT


# --- Outlook MSG --------------------------------------------------------------------------


def utf16(text: str) -> bytes:
    return text.encode("utf-16-le")


def msg_properties(filetime: int) -> bytes:
    # 32-byte header, then one 16-byte record: PidTagClientSubmitTime (0x0039, PtypTime).
    return bytes(32) + struct.pack("<IIQ", 0x00390040, 6, filetime)


JULY_29_2024 = (
    (
        datetime.datetime(2024, 7, 29, 20, 38, 11, tzinfo=datetime.UTC)
        - datetime.datetime(1601, 1, 1, tzinfo=datetime.UTC)
    )
    // datetime.timedelta(microseconds=1)
    * 10
)

MSG_STREAMS = {
    "__substg1.0_0037001F": utf16("Fake email with cc"),
    "__substg1.0_0C1A001F": utf16("John"),
    "__substg1.0_0C1F001F": utf16("john@example.com"),
    "__substg1.0_0E04001F": utf16("Jane; Jim"),
    "__substg1.0_0E03001F": utf16("steve@example.com"),
    "__substg1.0_1000001F": utf16("This is a test.\r\nAll the best,\r\nJohn\x00"),
    "__properties_version1.0": msg_properties(JULY_29_2024),
    "__attach_version1.0_#00000000/__substg1.0_3707001F": utf16("budget.xlsx"),
    "__attach_version1.0_#00000001/__substg1.0_3704001E": b"NOTES~1.TXT",
}
MSG_TEXT = (
    "From: John <john@example.com>\nTo: Jane; Jim\nCc: steve@example.com\n"
    "Date: Mon, 29 Jul 2024 20:38:11 +0000\nSubject: Fake email with cc\n\n"
    "This is a test.\nAll the best,\nJohn\n\nAttachments: budget.xlsx, NOTES~1.TXT"
)


def test_msg_properties_render_headers_body_and_attachments() -> None:
    assert message_text(MSG_STREAMS).replace("\r\n", "\n") == MSG_TEXT


def test_msg_html_body_is_used_when_there_is_no_plain_body() -> None:
    streams = {
        "__substg1.0_0037001F": utf16("Html only"),
        "__substg1.0_10130102": b"<html><body><p>Rich</p><p>body</p></body></html>",
    }

    assert message_text(streams) == "Subject: Html only\n\nRich\n\nbody"


def test_msg_compound_file_is_detected_and_extracted() -> None:
    result = extract_text(ole_file(MSG_STREAMS))

    assert result.media_type == MSG
    assert result.extractor == "olefile"
    assert only_page(result) == MSG_TEXT


@pytest.mark.parametrize(
    ("streams", "error", "match"),
    [
        ({"WordDocument": b"\xec\xa5", "1Table": b""}, UnsupportedDocumentError, "Word 97-2003"),
        ({"Workbook": b"\x09\x08"}, UnsupportedDocumentError, "Excel 97-2003"),
        (
            {"EncryptionInfo": b"\x04", "EncryptedPackage": b"\x00"},
            EncryptedDocumentError,
            "password",
        ),
        ({"Contents": b"x"}, UnsupportedDocumentError, "unknown kind"),
    ],
    ids=["doc", "xls", "encrypted-ooxml", "other"],
)
def test_other_ole2_files_are_named_when_refused(
    streams: dict[str, bytes], error: type[Exception], match: str
) -> None:
    with pytest.raises(error, match=match):
        extract_text(ole_file(streams))


def test_garbled_ole2_file_is_corrupt() -> None:
    with pytest.raises(CorruptDocumentError, match="OLE2"):
        extract_text(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(512))


# --- PPTX ---------------------------------------------------------------------------------


def build_deck(presentation: PowerPointPresentation) -> None:
    first = presentation.slides.add_slide(presentation.slide_layouts[1])
    first.shapes.title.text = "Quarterly review"
    first.placeholders[1].text = "Revenue up\nCosts down"
    group = first.shapes.add_group_shape()
    group.shapes.add_textbox(Inches(1), Inches(5), Inches(2), Inches(1)).text = "in group"
    inner = group.shapes.add_group_shape()
    inner.shapes.add_textbox(Inches(3), Inches(5), Inches(2), Inches(1)).text = "nested deeper"
    first.notes_slide.notes_text_frame.text = "Speaker: mention the Q3 dip."
    second = presentation.slides.add_slide(presentation.slide_layouts[5])
    second.shapes.title.text = "Figures"
    table = second.shapes.add_table(2, 2, Inches(1), Inches(2), Inches(4), Inches(1)).table
    for row, values in enumerate([("Region", "Sales"), ("North", "12")]):
        for column, value in enumerate(values):
            table.cell(row, column).text = value


def test_pptx_gives_one_page_per_slide_with_groups_tables_and_notes() -> None:
    result = extract_text(pptx_bytes(build_deck))

    assert result.media_type == PPTX
    assert result.extractor == "python-pptx"
    assert [page.text for page in result.pages] == [
        "Quarterly review\n\nRevenue up\nCosts down\n\nin group\n\nnested deeper\n\n"
        "Speaker: mention the Q3 dip.",
        "Figures\n\nRegion | Sales\nNorth | 12",
    ]


def test_pptx_with_a_blank_slide_keeps_its_page() -> None:
    def build(presentation: PowerPointPresentation) -> None:
        presentation.slides.add_slide(presentation.slide_layouts[6])
        slide = presentation.slides.add_slide(presentation.slide_layouts[6])
        slide.shapes.add_textbox(Inches(1), Inches(1), Inches(2), Inches(1)).text = "second"

    assert [page.text for page in extract_text(pptx_bytes(build)).pages] == ["", "second"]


def test_pptx_without_text_is_empty() -> None:
    def build(presentation: PowerPointPresentation) -> None:
        presentation.slides.add_slide(presentation.slide_layouts[6])

    with pytest.raises(EmptyDocumentError, match="PPTX"):
        extract_text(pptx_bytes(build))


def test_pptx_with_broken_slide_xml_is_corrupt() -> None:
    def build(presentation: PowerPointPresentation) -> None:
        presentation.slides.add_slide(presentation.slide_layouts[6])

    data = rezip(pptx_bytes(build), {"ppt/slides/slide1.xml": lambda xml: xml[: len(xml) // 2]})

    with pytest.raises(CorruptDocumentError, match="PPTX"):
        extract_text(data)


def test_pptx_missing_its_slide_part_is_corrupt() -> None:
    def build(presentation: PowerPointPresentation) -> None:
        presentation.slides.add_slide(presentation.slide_layouts[6])

    data = rezip(
        pptx_bytes(build), {"[Content_Types].xml": lambda xml: xml.replace(b"slide+xml", b"x")}
    )

    with pytest.raises(CorruptDocumentError, match="PPTX"):
        extract_text(data)


# --- XLSX ---------------------------------------------------------------------------------


def build_workbook(workbook: Workbook) -> None:
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "Sales"
    sheet.append(["Region", "Sales", "Closed"])
    sheet.append([])
    sheet.append(["North", 12.5, datetime.datetime(2024, 3, 1)])
    sheet.append(["South", None, "pending"])
    other = workbook.create_sheet("Notes")
    other["B3"] = "only cell"
    workbook.create_sheet("Empty")


def test_xlsx_gives_one_page_per_sheet_and_skips_empty_rows() -> None:
    result = extract_text(xlsx_bytes(build_workbook))

    assert result.media_type == XLSX
    assert result.extractor == "openpyxl"
    assert [page.text for page in result.pages] == [
        "Sales\nRegion | Sales | Closed\nNorth | 12.5 | 2024-03-01\nSouth |  | pending",
        "Notes\n | only cell",
        "",
    ]


def test_xlsx_shows_the_cached_value_of_a_formula_not_the_formula() -> None:
    def build(workbook: Workbook) -> None:
        sheet = workbook.active
        assert sheet is not None
        sheet.append([2, 3, "=A1+B1"])

    # openpyxl writes no cached value (only Excel computes one), so the cell reads empty.
    assert extract_text(xlsx_bytes(build)).pages[0].text == "Sheet\n2 | 3"


def test_huge_sheet_stops_at_the_character_limit() -> None:
    def build(workbook: Workbook) -> None:
        sheet = workbook.active
        assert sheet is not None
        for number in range(2000):
            sheet.append([f"row {number}", "some words in a cell"])

    with pytest.raises(DocumentTooLargeError, match="limit of 1,000 characters"):
        extract_text(xlsx_bytes(build), ExtractionLimits(max_characters=1000))


def test_xlsx_with_broken_sheet_xml_is_corrupt() -> None:
    data = rezip(xlsx_bytes(build_workbook), {"xl/worksheets/sheet1.xml": lambda xml: xml[:-40]})

    with pytest.raises(CorruptDocumentError, match="XLSX"):
        extract_text(data)


# --- CSV ----------------------------------------------------------------------------------


@pytest.mark.parametrize("delimiter", [",", ";", "\t"], ids=["comma", "semicolon", "tab"])
def test_csv_rows_are_rendered_readably(delimiter: str) -> None:
    rows = [
        ["name", "city", "amount"],
        ["Ana", "Zürich", "12"],
        ["Bo", "Malmö, SE", "7"],
        ["Cy", "", "3"],
    ]
    lines = [
        delimiter.join(f'"{cell}"' if delimiter in cell else cell for cell in row) for row in rows
    ]
    data = ("\n".join(lines) + "\n").encode("utf-8")

    result = extract_text(data)

    assert result.media_type == CSV
    assert result.encoding == "utf-8"
    assert only_page(result) == (
        "name | city | amount\nAna | Zürich | 12\nBo | Malmö, SE | 7\nCy |  | 3"
    )


@pytest.mark.parametrize(
    "data",
    [
        b"Dear team, thanks for the help.\nSee you soon, I hope.\nBest, Ana\n",
        b"a,b\n1,2\n",
        b"| a | b |\n|---|---|\n| 1 | 2 |\n| 3 | 4 |\n",
        b"one, two\nthree\nfour, five, six\n",
    ],
    ids=["prose-with-commas", "too-few-rows", "markdown-table", "ragged"],
)
def test_text_that_is_not_clearly_csv_stays_plain_text(data: bytes) -> None:
    assert extract_text(data).media_type == TEXT


# --- limits over the new paged formats ----------------------------------------------------


def three_page_inputs() -> list[tuple[str, bytes]]:
    def deck(presentation: PowerPointPresentation) -> None:
        for number in (1, 2, 3):
            slide = presentation.slides.add_slide(presentation.slide_layouts[6])
            box = slide.shapes.add_textbox(Inches(1), Inches(1), Inches(6), Inches(1))
            box.text = f"Page {number} has some words on it."

    def book(workbook: Workbook) -> None:
        for number in (1, 2, 3):
            sheet = workbook.active if number == 1 else workbook.create_sheet()
            assert sheet is not None
            sheet.title = f"S{number}"
            sheet.append([f"Page {number} has some words on it."])

    return [("pptx", pptx_bytes(deck)), ("xlsx", xlsx_bytes(book))]


@pytest.mark.parametrize(("kind", "data"), three_page_inputs(), ids=["pptx", "xlsx"])
def test_each_paged_kind_keeps_three_pages(kind: str, data: bytes) -> None:
    result = extract_text(data, ExtractionLimits(max_pages=3, max_characters=200))

    assert [page.number for page in result.pages] == [1, 2, 3]
    assert result.pages[2].text.endswith("Page 3 has some words on it.")


@pytest.mark.parametrize(("kind", "data"), three_page_inputs(), ids=["pptx", "xlsx"])
def test_too_many_slides_or_sheets_is_too_large(kind: str, data: bytes) -> None:
    with pytest.raises(DocumentTooLargeError, match="3 pages; the limit is 2"):
        extract_text(data, ExtractionLimits(max_pages=2))


@pytest.mark.parametrize(("kind", "data"), three_page_inputs(), ids=["pptx", "xlsx"])
def test_too_many_characters_in_slides_or_sheets_is_too_large(kind: str, data: bytes) -> None:
    with pytest.raises(DocumentTooLargeError, match="limit of 50 characters"):
        extract_text(data, ExtractionLimits(max_characters=50))


@pytest.mark.parametrize("main_part", ["ppt/presentation.xml", "xl/workbook.xml"])
def test_office_zip_bomb_is_refused_from_the_directory(main_part: str) -> None:
    data = zip_bytes({main_part: b"<x/>", "padding.bin": bytes(8 * 1024 * 1024)})

    with pytest.raises(DocumentTooLargeError, match="zip bomb"):
        extract_text(data)


# The extraction time bound applies to every format (PageAccumulator checks it per page).


@pytest.mark.parametrize(
    "data",
    [
        b"page one\fpage two\fpage three",
        pptx_bytes(build_deck),
    ],
    ids=["text", "pptx"],
)
def test_extraction_past_its_time_bound_is_named(data: bytes) -> None:
    with pytest.raises(ExtractionTimeoutError, match=r"longer than the limit of 0 s"):
        extract_text(data, ExtractionLimits(max_seconds=0))


def test_extraction_within_its_time_bound_succeeds() -> None:
    result = extract_text(b"page one\fpage two", ExtractionLimits(max_seconds=60))
    assert [page.text for page in result.pages] == ["page one", "page two"]
