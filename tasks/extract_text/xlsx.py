"""XLSX: one page per worksheet, each non-empty row on a line, cells joined by " | ".

openpyxl reads in read-only mode (rows streamed from the sheet XML, not a cell model held
in memory) with `data_only`, so a formula shows the value Excel last computed and saved.
"""

from __future__ import annotations

import datetime
import io
from collections.abc import Iterable, Iterator
from xml.etree.ElementTree import ParseError

import openpyxl
from lxml import etree
from openpyxl.utils.exceptions import InvalidFileException

from tasks.extract_text.archive import PACKAGE_ERRORS, check_expansion, open_zip
from tasks.extract_text.common import (
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    require_text,
)
from tasks.extract_text.delimited import rows_text
from tasks.shared.errors import CorruptDocumentError

EXTRACTOR = "openpyxl"
KIND = "XLSX"
MEDIA_TYPE_XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What openpyxl and zipfile raise on a damaged workbook: a missing part (KeyError), broken
# XML (either parser), an attribute of the wrong type (openpyxl's descriptors raise
# TypeError/ValueError) and damaged ZIP members (archive.PACKAGE_ERRORS).
_WORKBOOK_ERRORS: tuple[type[Exception], ...] = (
    *PACKAGE_ERRORS,
    InvalidFileException,
    ParseError,
    etree.XMLSyntaxError,
    TypeError,
)


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Extract an XLSX, one `Page` per worksheet: its name, then its non-empty rows.

    Raises:
        DocumentTooLargeError: the ZIP would expand too far, or too many sheets/characters
            (checked row by row, before a huge sheet is read whole).
        CorruptDocumentError: the ZIP, its parts or their XML cannot be read.
        EmptyDocumentError: no cell has any text.
    """
    with open_zip(data, KIND) as archive:
        check_expansion(archive, len(data), KIND, limits.max_unzipped_bytes)
    pages = PageAccumulator(limits, KIND)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheets = workbook.worksheets
            pages.check_page_count(len(sheets))
            for sheet in sheets:
                # The sheet's declared dimension may span the whole grid (A1:XFD1048576)
                # around a few cells: read-only mode would pad every row to it. Forgetting
                # it makes openpyxl read only the cells the sheet has.
                sheet.reset_dimensions()
                rows = _values(sheet.iter_rows(values_only=True))
                lines = rows_text(rows, limits, KIND, already=pages.characters)
                pages.add("\n".join([sheet.title, *lines]) if lines else "")
        finally:
            workbook.close()
    except _WORKBOOK_ERRORS as error:
        raise CorruptDocumentError(
            f"The XLSX is damaged: its parts cannot be read ({type(error).__name__}: {error})."
        ) from error
    return require_text(ExtractedText(MEDIA_TYPE_XLSX, pages.pages, EXTRACTOR, None), KIND)


def _values(rows: Iterable[Iterable[object]]) -> Iterator[list[object]]:
    for row in rows:
        yield [_value(cell) for cell in row]


def _value(cell: object) -> object:
    # A date cell without a time of day reads as a date, not "2024-03-01 00:00:00".
    if isinstance(cell, datetime.datetime) and cell.time() == datetime.time():
        return cell.date().isoformat()
    if isinstance(cell, datetime.date | datetime.time):
        return cell.isoformat()
    return cell
