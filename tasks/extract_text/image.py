"""Images (PNG, JPEG, TIFF): no text layer at all, so every page (frame) goes to OCR.

Pillow reads only the header and the frame count here; the pixels are read by the OCR
engine (Textract on AWS, tesseract offline). Textract's asynchronous API takes PNG and JPEG
up to 10 MB and multi-page TIFF up to 500 MB (notes/aws-facts.md), checked here so that an
oversized image fails at once with a named error rather than in the OCR job.
"""

from __future__ import annotations

import io
import warnings

from PIL import Image, UnidentifiedImageError

from tasks.extract_text.common import (
    MEDIA_TYPE_JPEG,
    MEDIA_TYPE_PNG,
    MEDIA_TYPE_TIFF,
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
)
from tasks.shared.errors import CorruptDocumentError, DocumentTooLargeError

EXTRACTOR_IMAGE = "image"

SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", MEDIA_TYPE_PNG),
    (b"\xff\xd8\xff", MEDIA_TYPE_JPEG),
    (b"II*\x00", MEDIA_TYPE_TIFF),
    (b"MM\x00*", MEDIA_TYPE_TIFF),
)

# Textract's asynchronous limit for single-image formats.
MAX_SINGLE_IMAGE_BYTES = 10 * 1024 * 1024


def media_type_of(data: bytes) -> str | None:
    """The image media type `data` starts with, or None."""
    for signature, media_type in SIGNATURES:
        if data.startswith(signature):
            return media_type
    return None


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """One empty page per image frame, every one of them listed for OCR.

    Raises:
        CorruptDocumentError: the image header cannot be read.
        DocumentTooLargeError: a PNG/JPEG over Textract's 10 MB, more frames than the page
            limit, or more pixels than Pillow's decompression-bomb guard allows.
    """
    media_type = media_type_of(data)
    if media_type is None:
        raise CorruptDocumentError("The document is not a PNG, JPEG or TIFF image.")
    kind = media_type.split("/")[1].upper()
    if media_type != MEDIA_TYPE_TIFF and len(data) > MAX_SINGLE_IMAGE_BYTES:
        raise DocumentTooLargeError(
            f"The {kind} image is {len(data):,} bytes; OCR accepts single images up to "
            f"{MAX_SINGLE_IMAGE_BYTES:,} bytes. Convert it to PDF or TIFF for larger scans."
        )
    frames = _frame_count(data, kind)
    pages = PageAccumulator(limits, f"{kind} image")
    pages.check_page_count(frames)
    for _ in range(frames):
        pages.add("")
    return ExtractedText(
        media_type, pages.pages, EXTRACTOR_IMAGE, None, ocr_pages=tuple(range(1, frames + 1))
    )


def _frame_count(data: bytes, kind: str) -> int:
    try:
        with warnings.catch_warnings():
            # Pillow warns before it raises for pixel counts near its bomb limit.
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(data)) as image:
                return int(getattr(image, "n_frames", 1))
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as error:
        raise DocumentTooLargeError(f"The {kind} image has too many pixels ({error}).") from error
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError) as error:
        raise CorruptDocumentError(
            f"The {kind} image is damaged and cannot be read ({error})."
        ) from error
