"""The OCR branch of the real ASL: Start Text Detection, the Wait/poll loop, Merge OCR Text.

Offline, Textract is emulated with tesseract (docpipe/textract_emulator.py). Tests that read
text need tesseract installed (`make test` installs it where it can); the others do not.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from typing import Any

import pytest

from docpipe import samples
from docpipe.engine import LocalEngine

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed (README: OCR)"
)

REPORT_PAGE = [
    "Quarterly maintenance report for the Harbour Road depot. The heating system was "
    "serviced in October and the boiler pressure is now stable. Two windows in the east "
    "wing were replaced. The roof inspection found no leaks after the autumn storms."
]


def state_names(engine: LocalEngine, execution_arn: str) -> list[str]:
    return [
        event["stateEnteredEventDetails"]["name"]
        for event in engine.history(execution_arn)
        if "stateEnteredEventDetails" in event
    ]


def text_artifact(engine: LocalEngine, output: dict[str, Any]) -> Any:
    return engine.read_json(f"artifacts/{output['document_id']}/text.json")


@needs_tesseract
def test_a_scanned_pdf_is_read_by_ocr_and_summarized(engine: LocalEngine) -> None:
    upload = engine.upload(samples.scanned_pdf([samples.RECEIPT_LINES]), "receipt.pdf")
    outcome = engine.wait(upload.execution_arn, timeout=180)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output is not None
    states = state_names(engine, upload.execution_arn)
    assert states.index("Start Text Detection") < states.index("Merge OCR Text")
    assert "Wait For Text Detection" in states and "Get Text Detection Status" in states
    text = text_artifact(engine, outcome.output)
    assert text["extractor"] == "pypdfium2+textract"
    assert text["ocr_pages"] == [1]
    assert "HARBOURSIDE HARDWARE" in text["pages"][0]["text"].upper()
    assert "46.80" in text["pages"][0]["text"]
    assert text["language"] == "en"
    result = engine.read_json(outcome.output["result_key"])
    assert result["extractor"] == "pypdfium2+textract"
    assert engine.dead_letters() == []


@needs_tesseract
@pytest.mark.parametrize("image_format", ["PNG", "JPEG", "TIFF"])
def test_an_image_is_read_by_ocr(engine: LocalEngine, image_format: str) -> None:
    data = samples.text_image(REPORT_PAGE[0].split(". "), image_format)
    upload = engine.upload(data, f"photo.{image_format.lower()}")
    outcome = engine.wait(upload.execution_arn, timeout=180)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output is not None
    text = text_artifact(engine, outcome.output)
    assert text["extractor"] == "textract"
    assert "boiler pressure" in text["pages"][0]["text"].lower()


@needs_tesseract
def test_only_scanned_pages_go_to_ocr_and_land_on_their_page(engine: LocalEngine) -> None:
    mixed = samples.concatenate_pdfs(
        samples.pdf_from_pages([REPORT_PAGE]), samples.scanned_pdf([samples.RECEIPT_LINES])
    )
    upload = engine.upload(mixed, "mixed.pdf")
    outcome = engine.wait(upload.execution_arn, timeout=180)
    assert outcome.status == "SUCCEEDED", (outcome.error, outcome.cause)
    assert outcome.output is not None
    text = text_artifact(engine, outcome.output)
    assert text["ocr_pages"] == [2]
    assert text["pages"][0]["text"].startswith("Quarterly maintenance report")
    assert "TOTAL PAID" in text["pages"][1]["text"].upper()


def test_with_ocr_unavailable_a_scan_ends_in_the_dlq_named() -> None:
    with LocalEngine(time_scale=0.001, extra_env={"DOCPIPE_OCR": "off"}) as engine:
        upload = engine.upload(samples.scanned_pdf([samples.RECEIPT_LINES]), "scan.pdf")
        outcome = engine.wait(upload.execution_arn, timeout=60)
        assert outcome.status == "FAILED"
        assert outcome.error == "OcrUnavailableError"
        [message] = engine.dead_letters()
        assert message["body"]["error"]["Error"] == "OcrUnavailableError"
        assert "tesseract" in message["body"]["error"]["Cause"]
        assert "Start Text Detection" not in state_names(engine, upload.execution_arn)


class StuckTextDetection:
    """A Textract job that never leaves IN_PROGRESS."""

    def available(self) -> bool:
        return True

    def start(self, document: bytes) -> str:
        return "stuck-job"

    def get(
        self, job_id: str, max_results: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        return {"JobStatus": "IN_PROGRESS", "Blocks": []}


class FailingTextDetection(StuckTextDetection):
    """A Textract job that fails, as Textract does for a document it cannot read."""

    def get(
        self, job_id: str, max_results: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        return {"JobStatus": "FAILED", "StatusMessage": "UNSUPPORTED_DOCUMENT_FORMAT"}


@pytest.fixture
def engine_with(request: pytest.FixtureRequest) -> Iterator[LocalEngine]:
    engine = LocalEngine(time_scale=0.001, extra_env={"DOCPIPE_OCR": "textract"})
    engine.text_detection = request.param()
    with engine:
        yield engine


@pytest.mark.parametrize("engine_with", [StuckTextDetection], indirect=True)
def test_a_job_that_never_finishes_ends_after_the_polling_bound(engine_with: LocalEngine) -> None:
    upload = engine_with.upload(samples.scanned_pdf([samples.RECEIPT_LINES]), "scan.pdf")
    outcome = engine_with.wait(upload.execution_arn, timeout=120)
    assert outcome.status == "FAILED"
    assert outcome.error == "OcrTimeoutError"
    polls = state_names(engine_with, upload.execution_arn).count("Get Text Detection Status")
    assert polls == 360
    [message] = engine_with.dead_letters()
    assert "stuck-job" in message["body"]["error"]["Cause"]


@pytest.mark.parametrize("engine_with", [FailingTextDetection], indirect=True)
def test_a_failed_job_ends_in_the_dlq_as_ocr_failed(engine_with: LocalEngine) -> None:
    upload = engine_with.upload(samples.scanned_pdf([samples.RECEIPT_LINES]), "scan.pdf")
    outcome = engine_with.wait(upload.execution_arn, timeout=60)
    assert outcome.status == "FAILED"
    assert outcome.error == "OcrFailedError"
    [message] = engine_with.dead_letters()
    assert "UNSUPPORTED_DOCUMENT_FORMAT" in message["body"]["error"]["Cause"]
