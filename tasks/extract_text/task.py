"""Extract Text: read the uploaded object, extract its text and page map, store the artifact.

Pages without a text layer (scans, images) are listed for OCR. With OCR on (`DOCPIPE_OCR=
textract`, the default) the task writes the OCR input file and returns `ocr.required`; the
state machine then runs Textract and the Merge OCR Text task fills those pages in. With OCR
unavailable, a document with no other text fails with OcrUnavailableError; one with text on
other pages goes on with what it has, and its artifact lists the pages left unread.
"""

from __future__ import annotations

import hashlib
from dataclasses import asdict
from typing import Any

from tasks.extract_text.extraction import ExtractedText, ExtractionLimits
from tasks.extract_text.ocr_input import ocr_input
from tasks.extract_text.sandbox import extract_bounded
from tasks.shared.errors import OcrUnavailableError
from tasks.shared.language import detect_language
from tasks.shared.models import DocumentRef
from tasks.shared.page_text import page_ranges
from tasks.shared.settings import OCR_TEXTRACT, Settings
from tasks.shared.storage import ArtifactStore, ocr_input_key, text_key


def configured_limits(settings: Settings) -> ExtractionLimits:
    """The extraction limits of the settings (`DOCPIPE_MAX_*`)."""
    return ExtractionLimits(
        max_bytes=settings.max_document_bytes,
        max_pages=settings.max_pages,
        max_characters=settings.max_characters,
        max_seconds=settings.max_extract_seconds,
        max_unzipped_bytes=settings.max_unzipped_bytes,
        max_cells=settings.max_cells,
    )


def language_of(extracted: ExtractedText) -> str | None:
    """The dominant language of the extracted text (ISO 639-1), or None if undecidable."""
    return detect_language("\n".join(page.text for page in extracted.pages))


def text_artifact(extracted: ExtractedText, document_id: str | None = None) -> dict[str, Any]:
    """The text artifact (`text.json`) of an extraction, before any OCR."""
    return {
        "document_id": document_id,
        "media_type": extracted.media_type,
        "extractor": extracted.extractor,
        "encoding": extracted.encoding,
        "characters": extracted.characters,
        "language": language_of(extracted),
        "ocr_pages": list(extracted.ocr_pages),
        "unread_pages": [],
        "pages": [asdict(page) for page in extracted.pages],
    }


def unread_without_ocr(extracted: ExtractedText, reason: str) -> list[int]:
    """The pages left unread when OCR is unavailable: the document goes on with its other
    pages, or fails with OcrUnavailableError (saying `reason`) when no other page has text."""
    if not extracted.has_text_beyond_ocr_pages:
        raise OcrUnavailableError(
            f"Page{'s' if len(extracted.ocr_pages) > 1 else ''} "
            f"{page_ranges(extracted.ocr_pages)} of the document have no text layer and "
            f"need OCR, and no other page has text. {reason}"
        )
    return list(extracted.ocr_pages)


def extract_document(
    document: DocumentRef, store: ArtifactStore, limits: ExtractionLimits, settings: Settings
) -> dict[str, Any]:
    """Extract `document` into `artifacts/<id>/text.json`; return the pointer and small facts.

    `sha256` is the hash of the object's bytes: the state machine recognises the same
    content uploaded under another key by it (an ETag is no content hash under SSE-KMS or
    multipart uploads).
    """
    data = store.read_document(
        document.bucket,
        document.key,
        max_bytes=limits.max_bytes,
        version_id=document.version_id,
    )
    extracted = extract_bounded(data, limits, settings.max_extract_memory_mb * 2**20)
    ocr: dict[str, Any] = {"required": False, "pages": len(extracted.ocr_pages)}
    artifact = text_artifact(extracted, document.id)
    if extracted.ocr_pages:
        if settings.ocr == OCR_TEXTRACT:
            body, extension = ocr_input(data, extracted)
            input_key = ocr_input_key(document.id, extension)
            store.put_bytes(input_key, body, extracted.media_type)
            ocr.update(required=True, bucket=store.bucket, key=input_key)
        else:
            artifact["unread_pages"] = unread_without_ocr(
                extracted, settings.ocr_unavailable_reason
            )
    key = text_key(document.id)
    store.put_json(key, artifact)
    return {
        "key": key,
        "sha256": hashlib.sha256(data).hexdigest(),
        "media_type": extracted.media_type,
        "pages": len(extracted.pages),
        "characters": extracted.characters,
        "extractor": extracted.extractor,
        "language": artifact["language"],
        "ocr": ocr,
    }
