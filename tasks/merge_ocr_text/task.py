"""Merge OCR Text: read a finished Textract text-detection job into the text artifact.

Runs after the state machine's polling loop saw the job leave IN_PROGRESS. Textract's page i
is page `ocr_pages[i - 1]` of the document (Extract Text sent only those pages). The lines
of a page, in Textract's reading order, become its text; the limits and the language are
then applied to the whole document again, as Extract Text does.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Protocol

from tasks.shared.errors import DocumentTooLargeError, EmptyDocumentError, OcrFailedError
from tasks.shared.language import detect_language
from tasks.shared.page_text import clean_text, page_ranges

EXTRACTOR_OCR = "textract"
IMAGE_EXTRACTOR = "image"
# Textract returns at most 1,000 blocks per page of results.
MAX_RESULTS = 1000


class TextractClient(Protocol):
    """The part of the boto3 Textract client this task uses."""

    def get_document_text_detection(self, **kwargs: Any) -> Any: ...


class JsonStore(Protocol):
    """The part of the artifact store this task uses."""

    def get_json(self, key: str) -> Any: ...
    def put_json(self, key: str, value: Any) -> None: ...


def read_job(textract: TextractClient, job_id: str) -> tuple[dict[int, list[str]], list[float]]:
    """Every LINE of a finished job, grouped by (OCR) page, and the line confidences.

    Raises:
        OcrFailedError: the job FAILED (its StatusMessage says why) or has not finished.
    """
    lines: dict[int, list[str]] = defaultdict(list)
    confidences: list[float] = []
    token: str | None = None
    while True:
        request: dict[str, Any] = {"JobId": job_id, "MaxResults": MAX_RESULTS}
        if token:
            request["NextToken"] = token
        response = textract.get_document_text_detection(**request)
        status = response.get("JobStatus")
        if status == "FAILED":
            raise OcrFailedError(
                f"Text detection (job {job_id}) failed: "
                f"{response.get('StatusMessage') or 'no reason given'}."
            )
        if status not in ("SUCCEEDED", "PARTIAL_SUCCESS"):
            raise OcrFailedError(f"Text detection (job {job_id}) has not finished: {status}.")
        for block in response.get("Blocks", []):
            if block.get("BlockType") == "LINE" and block.get("Text"):
                lines[int(block.get("Page", 1))].append(str(block["Text"]))
                confidences.append(float(block.get("Confidence", 0.0)))
        token = response.get("NextToken")
        if not token:
            return lines, confidences


def merge_ocr_text(
    text_key: str,
    job_id: str,
    store: JsonStore,
    textract: TextractClient,
    *,
    max_characters: int,
) -> dict[str, Any]:
    """Fill the OCR pages of `text_key` from job `job_id`; return what Extract Text returns."""
    artifact = store.get_json(text_key)
    ocr_pages: list[int] = [int(number) for number in artifact["ocr_pages"]]
    lines, confidences = read_job(textract, job_id)
    pages = artifact["pages"]
    by_number = {int(page["number"]): page for page in pages}
    for ocr_page, page_lines in lines.items():
        if 1 <= ocr_page <= len(ocr_pages):
            by_number[ocr_pages[ocr_page - 1]]["text"] = clean_text("\n".join(page_lines))
    characters = sum(len(page["text"]) for page in pages)
    if characters > max_characters:
        raise DocumentTooLargeError(
            f"With the OCR text the document has {characters:,} characters; the limit is "
            f"{max_characters:,}."
        )
    if not any(page["text"].strip() for page in pages):
        raise EmptyDocumentError(
            f"OCR found no text on page{'s' if len(ocr_pages) > 1 else ''} "
            f"{page_ranges(ocr_pages)}, and no other page has a text layer."
        )
    unread = [number for number in ocr_pages if not by_number[number]["text"]]
    base = artifact["extractor"]
    extractor = EXTRACTOR_OCR if base == IMAGE_EXTRACTOR else f"{base}+{EXTRACTOR_OCR}"
    language = detect_language("\n".join(page["text"] for page in pages))
    confidence = round(sum(confidences) / len(confidences), 1) if confidences else None
    artifact.update(
        extractor=extractor,
        characters=characters,
        language=language,
        ocr={"engine": EXTRACTOR_OCR, "job_id": job_id, "lines": len(confidences)},
        ocr_confidence=confidence,
        unread_pages=unread,
    )
    store.put_json(text_key, artifact)
    return {
        "key": text_key,
        "media_type": artifact["media_type"],
        "pages": len(pages),
        "characters": characters,
        "extractor": extractor,
        "language": language,
        "ocr": {"required": False, "pages": len(ocr_pages), "confidence": confidence},
    }
