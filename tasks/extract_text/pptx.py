"""PPTX: one page per slide, with the text of every shape (inside groups too), tables and
the slide's speaker notes.

python-pptx opens the package; shapes are read in the slide's drawing order, which is the
order their authors added them and, for placeholders, title first.
"""

from __future__ import annotations

import io
from collections.abc import Iterable, Iterator

from lxml import etree
from pptx import Presentation
from pptx.exc import PackageNotFoundError, PythonPptxError
from pptx.shapes.base import BaseShape
from pptx.shapes.graphfrm import GraphicFrame
from pptx.shapes.group import GroupShape
from pptx.slide import Slide

from tasks.extract_text.archive import PACKAGE_ERRORS, check_expansion, open_zip
from tasks.extract_text.common import (
    CELL_SEPARATOR,
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    has_text,
    require_text,
)
from tasks.shared.errors import CorruptDocumentError

EXTRACTOR = "python-pptx"
KIND = "PPTX"
MEDIA_TYPE_PPTX = "application/vnd.openxmlformats-officedocument.presentationml.presentation"

# What python-pptx and zipfile raise on a damaged package: a missing part or relationship
# (KeyError), broken XML, damaged ZIP members (archive.PACKAGE_ERRORS), and its
# own errors for an unexpected structure; a relationship that points at a part of the wrong
# type surfaces as an AttributeError (e.g. a slide part read as a generic part).
_PACKAGE_ERRORS: tuple[type[Exception], ...] = (
    *PACKAGE_ERRORS,
    PythonPptxError,
    AttributeError,
    etree.XMLSyntaxError,
)


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Extract a PPTX, one `Page` per slide: shape texts, table rows, then the notes.

    Raises:
        DocumentTooLargeError: the ZIP would expand too far, or too many slides/characters.
        CorruptDocumentError: the ZIP, its parts or their XML cannot be read.
        EmptyDocumentError: no slide has any text.
    """
    with open_zip(data, KIND) as archive:
        check_expansion(archive, len(data), KIND, limits.max_unzipped_bytes)
    pages = PageAccumulator(limits, KIND)
    try:
        slides = list(Presentation(io.BytesIO(data)).slides)
        pages.check_page_count(len(slides))
        for slide in slides:
            pages.add(slide_text(slide))
    except PackageNotFoundError as error:
        raise CorruptDocumentError(f"The PPTX has no presentation part ({error}).") from error
    except _PACKAGE_ERRORS as error:
        raise CorruptDocumentError(
            f"The PPTX is damaged: its parts cannot be read ({type(error).__name__}: {error})."
        ) from error
    return require_text(ExtractedText(MEDIA_TYPE_PPTX, pages.pages, EXTRACTOR, None), KIND)


def slide_text(slide: Slide) -> str:
    """The text of a slide's shapes, one block each, followed by its speaker notes."""
    blocks = [text for text in _shapes_text(slide.shapes) if has_text(text)]
    if slide.has_notes_slide:
        notes = slide.notes_slide.notes_text_frame
        if notes is not None and has_text(notes.text):
            blocks.append(_lines(notes.text))
    return "\n\n".join(blocks)


def _shapes_text(shapes: Iterable[BaseShape]) -> Iterator[str]:
    for shape in shapes:
        if isinstance(shape, GroupShape):
            yield from _shapes_text(shape.shapes)
        elif isinstance(shape, GraphicFrame) and shape.has_table:
            rows = []
            for row in shape.table.rows:
                cells = [" ".join(_lines(cell.text).split()) for cell in row.cells]
                if any(cells):
                    rows.append(CELL_SEPARATOR.join(cells))
            yield "\n".join(rows)
        elif shape.has_text_frame:
            yield _lines(shape.text_frame.text)  # type: ignore[attr-defined]


def _lines(text: str) -> str:
    # python-pptx returns a line break inside a paragraph as a vertical tab.
    return text.replace("\v", "\n")
