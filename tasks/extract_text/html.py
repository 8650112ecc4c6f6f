"""HTML: the visible text, with block elements as line breaks and table rows on one line.

The standard library's `html.parser` reads tag soup without raising, which is what real
pages are; lxml would add nothing here but a second parser to reason about. Nothing that a
browser does not show is kept: script, style, template, noscript, the head (metadata and
title), elements marked `hidden` or `display:none` (inline-XBRL filings hide pages of
machine-readable facts that way).

The encoding is taken, strongest evidence first, from a byte-order mark, the NUL pattern of
UTF-16/32, a `<meta charset>`, `<meta http-equiv="Content-Type">` or XML declaration near
the start, and else sniffed like plain text.
"""

from __future__ import annotations

import codecs
import re
from collections import Counter
from dataclasses import dataclass
from html.parser import HTMLParser

from tasks.extract_text import plain
from tasks.extract_text.common import (
    CELL_SEPARATOR,
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    require_text,
)

EXTRACTOR = "html.parser"
KIND = "HTML document"
MEDIA_TYPE_HTML = "text/html"

# Browsers look for a declared charset in the first 1024 bytes; generators such as EDGAR
# filers put long comment banners first, so a little more is searched.
_PRESCAN_BYTES = 4096
_DECLARED_CHARSET_RE = re.compile(
    rb"<meta[^>]*?charset\s*=\s*[\"']?\s*([A-Za-z0-9._:-]+)"
    rb"|<\?xml[^>]*?encoding\s*=\s*[\"']([A-Za-z0-9._:-]+)",
    re.IGNORECASE,
)
# WHATWG's encoding rules: a page that declares Latin-1 or ASCII is decoded as cp1252 (what
# every browser does), and a UTF-16 declaration in ASCII-compatible bytes means UTF-8.
_DECLARED_OVERRIDES = {
    "latin-1": "cp1252",
    "iso8859-1": "cp1252",
    "ascii": "cp1252",
    "utf-16": "utf-8",
    "utf-16-le": "utf-8",
    "utf-16-be": "utf-8",
}

# Subtrees a reader never sees.
_INVISIBLE = frozenset({"script", "style", "template", "noscript", "head", "iframe", "object"})
_HIDDEN_STYLE_RE = re.compile(r"display\s*:\s*none|visibility\s*:\s*hidden", re.IGNORECASE)
# Elements without an end tag: they never open a level of nesting.
_VOID = frozenset(
    {
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
    }
)
# Blocks that end a paragraph (a blank line) or only a line.
_PARAGRAPHS = frozenset(
    {
        "p",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "ul",
        "ol",
        "dl",
        "blockquote",
        "pre",
        "table",
        "section",
        "article",
        "header",
        "footer",
        "nav",
        "aside",
        "main",
        "figure",
        "form",
        "fieldset",
        "address",
        "hr",
    }
)
_LINES = frozenset({"div", "li", "dt", "dd", "br", "caption", "figcaption", "option", "legend"})
_CELLS = frozenset({"td", "th"})
_SPACES_RE = re.compile(r"\s+")
_BLANK_LINES_RE = re.compile(r"\n{3,}")


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Extract the visible text of an HTML document as one page.

    Raises:
        UnsupportedDocumentError: the bytes do not decode as text.
        DocumentTooLargeError: more characters than `limits` allow.
        EmptyDocumentError: no visible text.
    """
    markup, encoding = decode(data)
    pages = PageAccumulator(limits, KIND)
    pages.add(visible_text(markup))
    result = ExtractedText(MEDIA_TYPE_HTML, pages.pages, EXTRACTOR, encoding)
    return require_text(result, KIND)


def decode(data: bytes) -> tuple[str, str]:
    """Decode HTML bytes and return the text with the Python codec name used.

    Raises:
        UnsupportedDocumentError: no BOM or declaration and the bytes are not text.
    """
    marked = plain.bom_encoding(data)
    if marked is not None:
        encoding, length = marked
        return data[length:].decode(encoding, errors="replace"), encoding
    if plain.sniff_utf16_32(data) is None:
        declared = declared_charset(data[:_PRESCAN_BYTES])
        if declared is not None:
            # A wrong declaration is common. Bytes beyond ASCII that are valid UTF-8 are
            # UTF-8 (legacy text almost never is); otherwise the declaration holds, and
            # replacing what it cannot decode keeps the rest of the page readable.
            if not data.isascii():
                try:
                    return data.decode("utf-8"), "utf-8"
                except UnicodeDecodeError:
                    pass
            return data.decode(declared, errors="replace"), declared
    return plain.decode(data)


def declared_charset(head: bytes) -> str | None:
    """The Python codec a `<meta>` or XML declaration in `head` names, if Python knows it."""
    for match in _DECLARED_CHARSET_RE.finditer(head):
        label = (match.group(1) or match.group(2)).decode("ascii")
        try:
            name = codecs.lookup(label).name
        except LookupError:
            continue
        return _DECLARED_OVERRIDES.get(name, name)
    return None


def visible_text(markup: str) -> str:
    """The text a reader sees in `markup`: blocks on their own lines, rows as " | " lines."""
    parser = _TextParser()
    parser.feed(markup)
    parser.close()
    return parser.text()


@dataclass
class _Table:
    """The row being read of one open table: each cell's text pieces, and the line or
    paragraph break owed before the row."""

    cells: list[list[str]] | None = None
    pending: int = 0


class _TextParser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self._out: list[str] = []
        self._tables: list[_Table] = []
        # Open elements of an invisible subtree, its root first; empty while visible. The
        # counts say at once whether an end tag closes one of them (a run of unmatched end
        # tags inside a deep hidden subtree would otherwise search it each time).
        self._skipped: list[str] = []
        self._skipped_count: Counter[str] = Counter()
        self._preformatted = 0
        # Newlines owed before the next text: 1 ends a line, 2 a paragraph. Owing rather
        # than writing keeps nested blocks (<div><p>) from piling up blank lines.
        self._pending = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if self._skipped:
            if tag == "body" and self._skipped[0] == "head":
                self._skipped.clear()  # A head left open ends where the body starts.
                self._skipped_count.clear()
            elif tag not in _VOID:
                self._skip(tag)
            return
        if tag in _INVISIBLE or tag == "ix:header" or _hidden(attrs):
            if tag not in _VOID:
                self._skip(tag)
            return
        if tag == "table":
            self._break(2)
            self._tables.append(_Table())
        elif tag == "tr" and self._tables:
            self._end_row()
            self._start_row(self._tables[-1])
        elif tag in _CELLS and self._tables:
            table = self._tables[-1]
            if table.cells is None:
                self._start_row(table)
            assert table.cells is not None
            table.cells.append([])
            self._pending = 0
        elif tag == "pre":
            self._break(2)
            self._preformatted += 1
        else:
            self._block(tag)

    def handle_endtag(self, tag: str) -> None:
        if self._skipped:
            if self._skipped_count[tag]:
                # Close everything opened since: end tags of unclosed children are optional.
                while (closed := self._skipped.pop()) != tag:
                    self._skipped_count[closed] -= 1
                self._skipped_count[tag] -= 1
            return
        if tag == "tr" and self._tables:
            self._end_row()
        elif tag == "table" and self._tables:
            self._end_row()
            self._tables.pop()
            self._break(2)
        elif tag == "pre":
            self._preformatted = max(0, self._preformatted - 1)
            self._break(2)
        else:
            self._block(tag)

    def handle_data(self, data: str) -> None:
        if self._skipped:
            return
        self._write(data if self._preformatted else _SPACES_RE.sub(" ", data))

    def _skip(self, tag: str) -> None:
        self._skipped.append(tag)
        self._skipped_count[tag] += 1

    def text(self) -> str:
        """The text read so far, lines trimmed, at most one blank line in a row."""
        while self._tables:
            self._end_row()
            self._tables.pop()
        # Leading spaces were dropped where lines were broken; those left are <pre> indents.
        lines = [line.rstrip() for line in "".join(self._out).split("\n")]
        return _BLANK_LINES_RE.sub("\n\n", "\n".join(lines)).strip()

    def _block(self, tag: str) -> None:
        if tag in _PARAGRAPHS:
            self._break(2)
        elif tag in _LINES:
            self._break(1)

    def _break(self, newlines: int) -> None:
        self._pending = max(self._pending, newlines)

    def _start_row(self, table: _Table) -> None:
        table.cells = []
        table.pending = self._pending
        self._pending = 0

    def _end_row(self) -> None:
        table = self._tables[-1]
        if table.cells is None:
            return
        cells = [" ".join("".join(cell).split()) for cell in table.cells]
        table.cells = None
        # Breaks owed inside the cells stay there; the row owes what was owed before it.
        self._pending = table.pending
        row = CELL_SEPARATOR.join(cell for cell in cells if cell)
        if row:
            self._break(1)
            self._write(row)
            self._break(1)

    def _write(self, text: str) -> None:
        cell = self._open_cell()
        if self._pending and text.strip():
            # Inside a cell a block only separates words: the row stays on one line.
            if not self._preformatted:
                text = text.lstrip()
            text = (" " if cell is not None else "\n" * self._pending) + text
            self._pending = 0
        (cell if cell is not None else self._out).append(text)

    def _open_cell(self) -> list[str] | None:
        # The open cell of the innermost table that has one: text between the rows of a
        # table nested in a cell, and the rows themselves, belong to the outer cell.
        for table in reversed(self._tables):
            if table.cells:
                return table.cells[-1]
        return None


def _hidden(attrs: list[tuple[str, str | None]]) -> bool:
    for name, value in attrs:
        if name == "hidden":
            return True
        if name == "style" and value and _HIDDEN_STYLE_RE.search(value):
            return True
    return False
