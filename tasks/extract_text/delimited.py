"""CSV and other delimited text: decoded like plain text, one line per row, cells " | ".

Detection (detect.py) is conservative: only text whose first lines split into the same
number of fields is read here; anything else stays plain text. Rows are rendered so that a
reader (or a model) sees the columns, not the quoting.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable

from tasks.extract_text import plain
from tasks.extract_text.common import (
    CELL_SEPARATOR,
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    current_deadline,
    require_text,
)
from tasks.shared.errors import CorruptDocumentError, DocumentTooLargeError

EXTRACTOR = "csv"
KIND = "CSV file"
MEDIA_TYPE_CSV = "text/csv"
_SNIFF_CHARACTERS = 8192
_FIELD_LIMIT_FLOOR = 128 * 1024  # the csv module's own default
# Rows between checks of the extraction's deadline: a sheet of a million rows checks it 100
# times, and a sparse one with huge gaps cannot run past it.
_ROWS_PER_DEADLINE_CHECK = 10_000


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Extract delimited text as one page: each non-empty row on its own line.

    Raises:
        UnsupportedDocumentError: the bytes do not decode as text.
        DocumentTooLargeError: more characters than `limits` allow.
        EmptyDocumentError: no cell has any text.
    """
    text, encoding = plain.decode(data)
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(
            text[:_SNIFF_CHARACTERS].rpartition("\n")[0] or text, delimiters=",;\t"
        )
    except csv.Error:
        dialect = csv.excel  # Detection saw consistent rows: the sample was just cut oddly.
    # A field may be as long as the document may be (the csv module stops at 128 KiB).
    csv.field_size_limit(max(limits.max_characters, _FIELD_LIMIT_FLOOR))
    try:
        lines = rows_text(csv.reader(io.StringIO(text), dialect), limits, KIND)
    except csv.Error as error:
        if "field limit" in str(error):
            raise DocumentTooLargeError(
                f"A field of the {KIND} is longer than the limit of "
                f"{limits.max_characters:,} characters."
            ) from error
        raise CorruptDocumentError(f"The {KIND} cannot be read: {error}.") from error
    pages = PageAccumulator(limits, KIND)
    pages.add("\n".join(lines))
    return require_text(ExtractedText(MEDIA_TYPE_CSV, pages.pages, EXTRACTOR, encoding), KIND)


def rows_text(
    rows: Iterable[Iterable[object]], limits: ExtractionLimits, kind: str, *, already: int = 0
) -> list[str]:
    """Render `rows` as lines of cells joined by " | ", skipping empty rows.

    Empty cells inside a row stay (as nothing between separators) to keep columns aligned;
    trailing empty cells go. Stops with `DocumentTooLargeError` as soon as the text passes
    the character limit (counting `already` characters from earlier pages), so a sheet of a
    million rows is not rendered whole first.
    """
    lines: list[str] = []
    characters = already
    deadline = current_deadline(limits)
    counted = 0
    for index, row in enumerate(rows):
        if index % _ROWS_PER_DEADLINE_CHECK == 0:
            deadline.check(kind, f"after {index:,} rows")
        cells = ["" if cell is None else " ".join(str(cell).split()) for cell in row]
        counted += len(cells)
        if counted > limits.max_cells:
            raise DocumentTooLargeError(
                f"The {kind} has more than the limit of {limits.max_cells:,} cells "
                f"(reached by row {index + 1:,})."
            )
        while cells and not cells[-1]:
            cells.pop()
        if not cells:
            continue
        line = CELL_SEPARATOR.join(cells)
        characters += len(line) + 1
        if characters > limits.max_characters:
            raise DocumentTooLargeError(
                f"The {kind}'s text exceeds the limit of {limits.max_characters:,} characters."
            )
        lines.append(line)
    return lines
