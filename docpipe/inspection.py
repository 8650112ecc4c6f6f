"""`docpipe extract`: what the Extract Text task sees in a file, without running the pipeline.

Pages without a text layer go through the same OCR as offline runs (tesseract behind the
Textract emulation) and the same merge as the Merge OCR Text task, so the text shown is the
text the pipeline would chunk.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from docpipe.engine import OCR_UNAVAILABLE
from docpipe.textract_emulator import TesseractTextDetection
from tasks.extract_text.extraction import ExtractedText, extract_text
from tasks.extract_text.ocr_input import ocr_input
from tasks.extract_text.task import configured_limits, text_artifact, unread_without_ocr
from tasks.merge_ocr_text.task import merge_ocr_text
from tasks.shared.errors import BadInputError, OcrTimeoutError, OcrUnavailableError
from tasks.shared.settings import Settings

# As long as the state machine's polling bound (360 checks, 5 s apart).
OCR_TIMEOUT_SECONDS = 1800.0


class _EmulatedTextract:
    """The boto3 Textract call Merge OCR Text makes, answered by the emulation."""

    def __init__(self, detection: TesseractTextDetection) -> None:
        self._detection = detection

    def get_document_text_detection(self, **request: Any) -> Any:
        return self._detection.get(
            request["JobId"], request.get("MaxResults"), request.get("NextToken")
        )


class _Artifact:
    """One in-memory text artifact, for Merge OCR Text's store: what it writes lands in
    the dict it was given."""

    def __init__(self, value: dict[str, Any]) -> None:
        self.value = value

    def get_json(self, key: str) -> Any:
        return dict(self.value)

    def put_json(self, key: str, value: Any) -> None:
        self.value.clear()
        self.value.update(value)


def describe_extraction(path: Path) -> dict[str, Any]:
    """Extract `path` with the configured limits; the text per page and its metadata.

    Bad input is reported with its error name, as the pipeline would fail the document.
    """
    started = time.perf_counter()
    result: dict[str, Any] = {"file": str(path), "error": None}
    settings = Settings.from_env()
    try:
        data = path.read_bytes()
        extracted = extract_text(data, configured_limits(settings))
        facts = text_artifact(extracted)
        if extracted.ocr_pages:
            _with_ocr(data, extracted, facts, settings)
    except (BadInputError, OcrUnavailableError, OcrTimeoutError) as exc:
        result["error"] = {"type": type(exc).__name__, "message": str(exc)}
        return result
    result.update(
        media_type=facts["media_type"],
        pages=len(facts["pages"]),
        characters=facts["characters"],
        language=facts["language"],
        extractor=facts["extractor"],
        encoding=extracted.encoding,
        ocr_pages=facts["ocr_pages"],
        seconds=round(time.perf_counter() - started, 3),
        text_pages=[{"number": p["number"], "text": p["text"]} for p in facts["pages"]],
    )
    return result


def _with_ocr(
    data: bytes, extracted: ExtractedText, facts: dict[str, Any], settings: Settings
) -> None:
    """Fill `facts` (the text artifact) with the OCR of `extracted.ocr_pages`, as the
    pipeline does, or list those pages unread when tesseract is not installed."""
    detection = TesseractTextDetection()
    if not detection.available():
        facts["unread_pages"] = unread_without_ocr(extracted, OCR_UNAVAILABLE)
        return
    body, _ = ocr_input(data, extracted)
    job_id = detection.start(body)
    deadline = time.monotonic() + OCR_TIMEOUT_SECONDS
    while detection.get(job_id, max_results=1)["JobStatus"] == "IN_PROGRESS":
        if time.monotonic() > deadline:
            raise OcrTimeoutError(f"OCR did not finish in {OCR_TIMEOUT_SECONDS:g} s.")
        time.sleep(0.2)
    merge_ocr_text(
        "text.json",
        job_id,
        _Artifact(facts),
        _EmulatedTextract(detection),
        max_characters=settings.max_characters,
    )
