"""DOCX: body paragraphs and tables in order, headers and footers once, explicit page breaks.

python-docx opens the package (parts, relationships, sections); the text is read from the
WordprocessingML elements directly, because python-docx's `Paragraph.text` drops tracked
insertions, content controls and the type of a `w:br`, which is what marks a page break.
`w:lastRenderedPageBreak` is ignored: it records where some program last laid out a page,
which depends on fonts and printer and is absent from generated files.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from docx.document import Document as WordDocument
from docx.enum.section import WD_SECTION_START
from docx.opc.constants import CONTENT_TYPE
from docx.opc.exceptions import PackageNotFoundError
from docx.package import Package
from docx.parts.document import DocumentPart
from docx.section import Section, _Footer, _Header
from docx.shared import ElementProxy
from lxml import etree

from tasks.extract_text.archive import PACKAGE_ERRORS, check_expansion, open_zip
from tasks.extract_text.common import (
    CELL_SEPARATOR,
    MEDIA_TYPE_DOCX,
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    has_text,
    require_text,
)
from tasks.shared.errors import CorruptDocumentError, UnsupportedDocumentError

EXTRACTOR = "python-docx"
KIND = "DOCX"

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_MC_FALLBACK = "{http://schemas.openxmlformats.org/markup-compatibility/2006}Fallback"
_P, _TBL, _TR, _TC = f"{_W}p", f"{_W}tbl", f"{_W}tr", f"{_W}tc"
_TC_PR, _V_MERGE = f"{_W}tcPr", f"{_W}vMerge"
_SDT, _SDT_CONTENT, _CUSTOM_XML = f"{_W}sdt", f"{_W}sdtContent", f"{_W}customXml"
_PPR, _SECT_PR, _PAGE_BREAK_BEFORE = f"{_W}pPr", f"{_W}sectPr", f"{_W}pageBreakBefore"
_T, _BR, _TYPE, _VAL = f"{_W}t", f"{_W}br", f"{_W}type", f"{_W}val"
_INLINE_TEXT = {f"{_W}tab": "\t", f"{_W}ptab": "\t", f"{_W}cr": "\n", f"{_W}noBreakHyphen": "-"}
# Deleted text (w:del holds w:delText) and the alternative rendering of drawings that
# carries a second copy of text-box text.
_SKIPPED_SUBTREES = {f"{_W}del", f"{_W}moveFrom", _MC_FALLBACK}
# Section start types that do not begin a new page.
_SAME_PAGE_STARTS = {WD_SECTION_START.CONTINUOUS, WD_SECTION_START.NEW_COLUMN}

_PAGE_BREAK = object()

# Main-part content types of the Word variants python-docx refuses, to name them.
_OTHER_WORD_VARIANTS = {
    "application/vnd.ms-word.document.macroEnabled.main+xml": "macro-enabled (DOCM)",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.template.main+xml": (
        "template (DOTX)"
    ),
    "application/vnd.ms-word.template.macroEnabledTemplate.main+xml": "template (DOTM)",
}


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Extract a DOCX: one `Page` per explicit page break (or section on a new page), else 1.

    Paragraphs are separated by a blank line; a table becomes one line per row with cells
    joined by " | ". Each distinct header and footer appears once, at the start (header)
    or end (footer) of the section that defines it.

    Raises:
        DocumentTooLargeError: the ZIP would expand too far, or too many pages/characters.
        CorruptDocumentError: the ZIP or its XML cannot be read.
        UnsupportedDocumentError: a Word variant python-docx does not open (DOCM, DOTX).
        EmptyDocumentError: no text.
    """
    with open_zip(data, KIND) as archive:
        check_expansion(archive, len(data), KIND, limits.max_unzipped_bytes)
    document = _open_document(data)
    try:
        builder = _Builder(_HeaderFooterText(document))
        builder.add_document(document)
    except (KeyError, etree.XMLSyntaxError) as error:
        # python-docx resolves header/footer parts lazily by relationship id.
        raise CorruptDocumentError(
            f"The DOCX refers to a header or footer part it does not contain ({error})."
        ) from error
    pages = PageAccumulator(limits, KIND)
    texts = builder.page_texts()
    pages.check_page_count(len(texts))
    for text in texts:
        pages.add(text)
    return require_text(ExtractedText(MEDIA_TYPE_DOCX, pages.pages, EXTRACTOR, None), KIND)


def _open_document(data: bytes) -> WordDocument:
    try:
        main_part = Package.open(io.BytesIO(data)).main_document_part
    except (*PACKAGE_ERRORS, PackageNotFoundError, etree.XMLSyntaxError) as error:
        raise CorruptDocumentError(
            f"The DOCX is damaged: its parts cannot be read ({type(error).__name__}: {error})."
        ) from error
    content_type = main_part.content_type
    if content_type != CONTENT_TYPE.WML_DOCUMENT_MAIN or not isinstance(main_part, DocumentPart):
        variant = _OTHER_WORD_VARIANTS.get(content_type, f"'{content_type}'")
        raise UnsupportedDocumentError(
            f"The Word file is a {variant} document, which is not supported yet; "
            "save it as a regular DOCX."
        )
    document: WordDocument = main_part.document
    return document


class _HeaderFooterText:
    """The text of each section's own headers and footers, each distinct text only once."""

    def __init__(self, document: WordDocument) -> None:
        self._odd_even = bool(document.settings.odd_and_even_pages_header_footer)
        self._seen: set[str] = set()

    def headers(self, section: Section) -> list[str]:
        parts: list[_Header] = []
        if section.different_first_page_header_footer:
            parts.append(section.first_page_header)
        parts.append(section.header)
        if self._odd_even:
            parts.append(section.even_page_header)
        return self._unseen(parts)

    def footers(self, section: Section) -> list[str]:
        parts: list[_Footer] = []
        if section.different_first_page_header_footer:
            parts.append(section.first_page_footer)
        parts.append(section.footer)
        if self._odd_even:
            parts.append(section.even_page_footer)
        return self._unseen(parts)

    def _unseen(self, parts: list[_Header] | list[_Footer]) -> list[str]:
        texts: list[str] = []
        for part in parts:
            # A linked header shows the previous section's, already counted. Checking
            # first also matters because reading a linked one would create a definition.
            if part.is_linked_to_previous:
                continue
            text = "\n".join(_blocks_text(part.part.element))
            if has_text(text) and text not in self._seen:
                self._seen.add(text)
                texts.append(text)
        return texts


@dataclass
class _PageBlocks:
    """The text blocks of one page, and whether any comes from the body (not a header)."""

    blocks: list[str] = field(default_factory=list)
    has_body: bool = False


@dataclass
class _Builder:
    """Walks the body in order and cuts it into pages of text blocks."""

    header_footer: _HeaderFooterText
    pages: list[_PageBlocks] = field(default_factory=lambda: [_PageBlocks()])

    def add_document(self, document: WordDocument) -> None:
        sections = list(document.sections)
        index = 0
        self._add_blocks(self.header_footer.headers(sections[0]) if sections else [])
        for element in _block_elements(_element(document)):
            if element.tag == _P:
                self._add_paragraph(element)
                section_end = element.find(f"{_PPR}/{_SECT_PR}")
                if section_end is not None and index + 1 < len(sections):
                    self._add_blocks(self.header_footer.footers(sections[index]))
                    index += 1
                    if sections[index].start_type not in _SAME_PAGE_STARTS:
                        self._break_unless_at_top()
                    self._add_blocks(self.header_footer.headers(sections[index]))
            elif element.tag == _TBL:
                self._add_body(_table_text(element))
        if sections:
            self._add_blocks(self.header_footer.footers(sections[index]))

    def page_texts(self) -> list[str]:
        """The text of each page; pages after the last body text are folded into it.

        A break at the very end (common before a final section mark) leaves a page with
        no body text, at most the last footer; that footer belongs to the page before.
        """
        pages = [_PageBlocks(list(page.blocks), page.has_body) for page in self.pages]
        while len(pages) > 1 and not pages[-1].has_body:
            pages[-2].blocks.extend(pages.pop().blocks)
        return ["\n\n".join(page.blocks) for page in pages]

    def _add_paragraph(self, paragraph: etree._Element) -> None:
        if _flag(paragraph.find(f"{_PPR}/{_PAGE_BREAK_BEFORE}")):
            self._break_unless_at_top()
        segment: list[str] = []
        for item in _paragraph_items(paragraph):
            if item is _PAGE_BREAK:
                self._add_body("".join(segment))
                segment = []
                self._break()
            else:
                segment.append(str(item))
        self._add_body("".join(segment))

    def _add_body(self, text: str) -> None:
        if has_text(text):
            self.pages[-1].blocks.append(text)
            self.pages[-1].has_body = True

    def _add_blocks(self, texts: list[str]) -> None:
        self.pages[-1].blocks.extend(texts)

    def _break(self) -> None:
        self.pages.append(_PageBlocks())

    def _break_unless_at_top(self) -> None:
        # Word starts such a paragraph or section on a new page, but adds no blank page
        # when it already stands at the top of one.
        if self.pages[-1].has_body:
            self._break()


def _element(proxy: ElementProxy) -> etree._Element:
    """The body element of the document (python-docx exposes it on the public `element`)."""
    body = proxy.element.find(f"{_W}body")
    if body is None:
        raise CorruptDocumentError("The DOCX's main document has no body element.")
    return body


def _block_elements(container: etree._Element) -> Iterator[etree._Element]:
    """Paragraphs and tables of a body, cell or header, looking inside content controls."""
    for child in container:
        if child.tag in (_P, _TBL):
            yield child
        elif child.tag == _SDT:
            content = child.find(_SDT_CONTENT)
            if content is not None:
                yield from _block_elements(content)
        elif child.tag == _CUSTOM_XML:
            yield from _block_elements(child)


def _blocks_text(container: etree._Element) -> list[str]:
    """The text of each paragraph and table in `container`, page breaks ignored."""
    texts: list[str] = []
    for element in _block_elements(container):
        if element.tag == _P:
            text = "".join(item for item in _paragraph_items(element) if isinstance(item, str))
        else:
            text = _table_text(element)
        if has_text(text):
            texts.append(text)
    return texts


def _paragraph_items(paragraph: etree._Element) -> Iterator[str | object]:
    """The text pieces of a paragraph in order, with `_PAGE_BREAK` where a page break is."""
    for child in paragraph:
        if child.tag in _SKIPPED_SUBTREES or child.tag == _PPR:
            continue
        if child.tag == _T:
            yield child.text or ""
        elif child.tag == _BR:
            # w:br without a type is a line break; column breaks read as line breaks too.
            yield _PAGE_BREAK if child.get(_TYPE) == "page" else "\n"
        elif child.tag in _INLINE_TEXT:
            yield _INLINE_TEXT[child.tag]
        elif child.tag == _P:
            # A paragraph nested in a text box: keep it on its own line.
            yield "\n"
            yield from _paragraph_items(child)
            yield "\n"
        elif child.tag == _TBL:
            yield "\n" + _table_text(child) + "\n"
        else:
            # Runs, hyperlinks, insertions, fields, smart tags, drawings, text boxes...
            yield from _paragraph_items(child)


def _table_text(table: etree._Element) -> str:
    """One line per row, cells joined by `CELL_SEPARATOR`; a nested table stays in its cell."""
    rows: list[str] = []
    for row in table.iter(_TR):
        if _nearest_table(row) is not table:
            continue  # A row of a nested table: rendered inside its cell.
        cells = [_cell_text(cell) for cell in row.iter(_TC) if _nearest_row(cell) is row]
        if any(cells):
            rows.append(CELL_SEPARATOR.join(cells))
    return "\n".join(rows)


def _cell_text(cell: etree._Element) -> str:
    # A vertically merged cell shows the first cell's content; Word hides the text that
    # continuation cells may still hold. The empty cell keeps the columns aligned.
    merge = cell.find(f"{_TC_PR}/{_V_MERGE}")
    if merge is not None and merge.get(_VAL) != "restart":
        return ""
    return " ".join(" ".join(_blocks_text(cell)).split())


def _nearest_table(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != _TBL:
        parent = parent.getparent()
    return parent


def _nearest_row(element: etree._Element) -> etree._Element | None:
    parent = element.getparent()
    while parent is not None and parent.tag != _TR:
        parent = parent.getparent()
    return parent


def _flag(element: etree._Element | None) -> bool:
    """An OOXML on/off property: present and not switched off by w:val."""
    return element is not None and element.get(_VAL) not in ("0", "false", "off")
