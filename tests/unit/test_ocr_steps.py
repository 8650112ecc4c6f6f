"""The task side of OCR: images, the OCR decision in Extract Text, and Merge OCR Text."""

from __future__ import annotations

import io
import json
from typing import Any

import pypdfium2
import pytest
from builders import image_only_pdf, pdf_with_pages
from PIL import Image

from docpipe.samples import concatenate_pdfs
from tasks.extract_text.extraction import ExtractionLimits, extract_text
from tasks.extract_text.task import extract_document
from tasks.merge_ocr_text.task import merge_ocr_text
from tasks.shared.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    OcrFailedError,
    OcrUnavailableError,
)
from tasks.shared.models import DocumentRef
from tasks.shared.page_text import page_ranges
from tasks.shared.settings import Settings
from tasks.shared.storage import ArtifactStore


class MemoryS3:
    """Just enough of the S3 client for ArtifactStore."""

    def __init__(self) -> None:
        self.objects: dict[tuple[str, str], bytes] = {}

    def head_object(self, **kwargs: Any) -> Any:
        return {"ContentLength": len(self.objects[(kwargs["Bucket"], kwargs["Key"])])}

    def get_object(self, **kwargs: Any) -> Any:
        return {"Body": io.BytesIO(self.objects[(kwargs["Bucket"], kwargs["Key"])])}

    def put_object(self, **kwargs: Any) -> Any:
        self.objects[(kwargs["Bucket"], kwargs["Key"])] = kwargs["Body"]
        return {}


class FakeTextract:
    """GetDocumentTextDetection answers from a fixed list of responses (pages of results)."""

    def __init__(self, responses: list[dict[str, Any]]) -> None:
        self.responses = responses
        self.requests: list[dict[str, Any]] = []

    def get_document_text_detection(self, **kwargs: Any) -> Any:
        self.requests.append(kwargs)
        return self.responses[len(self.requests) - 1]


def picture(kind: str = "PNG", frames: int = 1) -> bytes:
    images = [Image.new("L", (200, 100), 255) for _ in range(frames)]
    buffer = io.BytesIO()
    images[0].save(buffer, format=kind, save_all=frames > 1, append_images=images[1:])
    return buffer.getvalue()


def settings(**overrides: Any) -> Settings:
    return Settings.from_env().__class__(**{**Settings.from_env().__dict__, **overrides})


def run_extract(data: bytes, **setting: Any) -> tuple[dict[str, Any], MemoryS3]:
    s3 = MemoryS3()
    s3.objects[("bucket", "incoming/doc")] = data
    store = ArtifactStore(s3, "bucket")
    document = DocumentRef("doc1", "bucket", "incoming/doc", "etag", len(data))
    return extract_document(document, store, ExtractionLimits(), settings(**setting)), s3


def line(page: int, text: str, confidence: float = 90.0) -> dict[str, Any]:
    return {"BlockType": "LINE", "Page": page, "Text": text, "Confidence": confidence}


# Images


@pytest.mark.parametrize(("kind", "media_type"), [("PNG", "image/png"), ("JPEG", "image/jpeg")])
def test_an_image_is_one_page_for_ocr(kind: str, media_type: str) -> None:
    extracted = extract_text(picture(kind))
    assert extracted.media_type == media_type
    assert [page.text for page in extracted.pages] == [""]
    assert extracted.ocr_pages == (1,)


def test_a_multi_page_tiff_is_one_page_per_frame() -> None:
    extracted = extract_text(picture("TIFF", frames=3))
    assert extracted.media_type == "image/tiff"
    assert extracted.ocr_pages == (1, 2, 3)


def test_a_tiff_with_more_frames_than_the_page_limit_is_too_large() -> None:
    with pytest.raises(DocumentTooLargeError, match="3 pages"):
        extract_text(picture("TIFF", frames=3), ExtractionLimits(max_pages=2))


def test_a_damaged_image_is_corrupt() -> None:
    with pytest.raises(CorruptDocumentError, match="PNG image is damaged"):
        extract_text(b"\x89PNG\r\n\x1a\n" + b"\x00" * 40)


def test_a_png_over_textracts_limit_is_too_large() -> None:
    with pytest.raises(DocumentTooLargeError, match="10,485,760"):
        extract_text(picture() + b"\x00" * (10 * 1024 * 1024))


# Extract Text's OCR decision


def test_with_ocr_on_a_scan_is_written_for_textract() -> None:
    result, s3 = run_extract(image_only_pdf(), ocr="textract")
    assert result["ocr"] == {
        "required": True,
        "pages": 1,
        "bucket": "bucket",
        "key": "artifacts/doc1/ocr-input.pdf",
    }
    assert ("bucket", "artifacts/doc1/ocr-input.pdf") in s3.objects


def test_only_the_pages_without_text_go_to_ocr() -> None:
    mixed = concatenate_pdfs(pdf_with_pages(["Page one has text."]), image_only_pdf())
    result, s3 = run_extract(mixed, ocr="textract")
    assert result["ocr"]["required"] is True
    ocr_input = pypdfium2.PdfDocument(s3.objects[("bucket", "artifacts/doc1/ocr-input.pdf")])
    assert len(ocr_input) == 1
    text = json.loads(s3.objects[("bucket", "artifacts/doc1/text.json")])
    assert text["ocr_pages"] == [2]
    assert text["pages"][0]["text"] == "Page one has text."


def test_with_ocr_off_a_scan_fails_with_ocr_unavailable() -> None:
    with pytest.raises(OcrUnavailableError, match=r"Page 1 .*install tesseract"):
        run_extract(image_only_pdf(), ocr="off", ocr_unavailable_reason="Please install tesseract.")


def test_with_ocr_off_text_pages_go_on_and_the_scan_is_listed_unread() -> None:
    mixed = concatenate_pdfs(pdf_with_pages(["Page one has text."]), image_only_pdf())
    result, s3 = run_extract(mixed, ocr="off")
    assert result["ocr"] == {"required": False, "pages": 1}
    text = json.loads(s3.objects[("bucket", "artifacts/doc1/text.json")])
    assert text["unread_pages"] == [2]


def test_page_ranges_reads_as_people_write_them() -> None:
    assert page_ranges([1, 2, 3, 7, 9, 10]) == "1-3, 7, 9-10"
    assert page_ranges([4]) == "4"


# Merge OCR Text


class MemoryStore:
    def __init__(self, artifact: dict[str, Any]) -> None:
        self.artifacts = {"text.json": artifact}

    def get_json(self, key: str) -> Any:
        return json.loads(json.dumps(self.artifacts[key]))

    def put_json(self, key: str, value: Any) -> None:
        self.artifacts[key] = value


def artifact(pages: list[str], ocr_pages: list[int], extractor: str = "pypdfium2") -> Any:
    return {
        "media_type": "application/pdf",
        "extractor": extractor,
        "ocr_pages": ocr_pages,
        "pages": [{"number": i + 1, "text": text} for i, text in enumerate(pages)],
    }


def test_merge_maps_ocr_pages_back_and_reads_every_page_of_results() -> None:
    store = MemoryStore(artifact(["Cover text.", "", "Middle text.", ""], [2, 4]))
    textract = FakeTextract(
        [
            {"JobStatus": "SUCCEEDED", "Blocks": [line(1, "Scanned page two")], "NextToken": "t"},
            {"JobStatus": "SUCCEEDED", "Blocks": [line(2, "Scanned page four", 70.0)]},
        ]
    )
    result = merge_ocr_text("text.json", "job", store, textract, max_characters=10_000)
    texts = [page["text"] for page in store.artifacts["text.json"]["pages"]]
    assert texts == ["Cover text.", "Scanned page two", "Middle text.", "Scanned page four"]
    assert textract.requests[1] == {"JobId": "job", "MaxResults": 1000, "NextToken": "t"}
    assert result["extractor"] == "pypdfium2+textract"
    assert result["ocr"] == {"required": False, "pages": 2, "confidence": 80.0}
    assert result["characters"] == sum(len(text) for text in texts)


def test_merge_of_an_image_names_textract_alone() -> None:
    store = MemoryStore(artifact([""], [1], extractor="image"))
    textract = FakeTextract([{"JobStatus": "SUCCEEDED", "Blocks": [line(1, "Receipt total 12")]}])
    result = merge_ocr_text("text.json", "job", store, textract, max_characters=10_000)
    assert result["extractor"] == "textract"


def test_a_failed_job_is_ocr_failed_with_textracts_reason() -> None:
    store = MemoryStore(artifact([""], [1]))
    textract = FakeTextract([{"JobStatus": "FAILED", "StatusMessage": "UNSUPPORTED_DOCUMENT"}])
    with pytest.raises(OcrFailedError, match="UNSUPPORTED_DOCUMENT"):
        merge_ocr_text("text.json", "job", store, textract, max_characters=10_000)


def test_ocr_that_finds_nothing_leaves_an_empty_document() -> None:
    store = MemoryStore(artifact(["", ""], [1, 2]))
    textract = FakeTextract([{"JobStatus": "SUCCEEDED", "Blocks": []}])
    with pytest.raises(EmptyDocumentError, match="pages 1-2"):
        merge_ocr_text("text.json", "job", store, textract, max_characters=10_000)


def test_ocr_text_counts_against_the_character_limit() -> None:
    store = MemoryStore(artifact([""], [1]))
    textract = FakeTextract([{"JobStatus": "SUCCEEDED", "Blocks": [line(1, "x" * 50)]}])
    with pytest.raises(DocumentTooLargeError, match="limit is 10"):
        merge_ocr_text("text.json", "job", store, textract, max_characters=10)
