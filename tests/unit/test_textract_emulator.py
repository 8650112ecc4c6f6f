"""The tesseract emulation of Textract's asynchronous text detection.

Most tests run the real tesseract on pictures of text drawn here; a few use a tiny shell
script in its place to hold a job IN_PROGRESS, time it out or fail it on demand.
"""

from __future__ import annotations

import io
import re
import shutil
import stat
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from botocore.loaders import Loader
from botocore.model import ServiceModel
from botocore.validate import ParamValidator
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont

from docpipe.textract_emulator import InvalidJobIdError, TesseractTextDetection
from tasks.shared.errors import OcrUnavailableError

needs_tesseract = pytest.mark.skipif(
    shutil.which("tesseract") is None, reason="tesseract is not installed"
)

FIRST = ["Quarterly invoice 2024", "Payment due in thirty days"]
SECOND = ["Harbour shipping manifest", "Seven wooden crates"]
WAIT_SECONDS = 60.0


def text_image(lines: list[str]) -> Image.Image:
    """Large black text on white, one line every 100 pixels."""
    font = ImageFont.load_default(size=48)
    image = Image.new("RGB", (1200, 100 * len(lines) + 80), "white")
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((40, 40 + 100 * number), line, font=font, fill="black")
    return image


def encoded(images: list[Image.Image], kind: str) -> bytes:
    buffer = io.BytesIO()
    images[0].save(buffer, format=kind, save_all=len(images) > 1, append_images=images[1:])
    return buffer.getvalue()


def image_pdf(
    lines: list[str], *, owner_password: str | None = None, user_password: str | None = None
) -> bytes:
    """A PDF whose only page is a picture of `lines`: a scan with no text layer."""
    pdf = FPDF(format=(210, 80))
    if owner_password is not None:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    pdf.add_page()
    pdf.image(io.BytesIO(encoded([text_image(lines)], "PNG")), x=5, y=5, w=200)
    return bytes(pdf.output())


def fake_tesseract(directory: Path, body: str) -> str:
    """A shell script that answers `--version` like tesseract and otherwise runs `body`."""
    script = directory / "tesseract"
    script.write_text(
        '#!/bin/sh\nif [ "$1" = "--version" ]; then echo "tesseract 5.3.0"; exit 0; fi\n'
        f"cat > /dev/null\n{body}\n"
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return str(script)


def finished(ocr: TesseractTextDetection, job_id: str, **paging: Any) -> dict[str, Any]:
    """Poll the job until it leaves IN_PROGRESS; fail the test after WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while (response := ocr.get(job_id, **paging))["JobStatus"] == "IN_PROGRESS":
        if time.monotonic() > deadline:
            pytest.fail(f"job {job_id} still IN_PROGRESS after {WAIT_SECONDS} s")
        time.sleep(0.05)
    return response


def lines_by_page(response: dict[str, Any]) -> dict[int, list[str]]:
    pages: dict[int, list[str]] = {}
    for block in response["Blocks"]:
        if block["BlockType"] == "LINE":
            pages.setdefault(block["Page"], []).append(block["Text"])
    return pages


def words(lines: list[str]) -> set[str]:
    return set(re.findall(r"[a-z0-9]+", " ".join(lines).lower()))


def assert_read(recognised: list[str], expected: list[str]) -> None:
    """Every word of `expected` is among those recognised, one OCR slip allowed."""
    missing = words(expected) - words(recognised)
    assert len(missing) <= 1, f"{missing} not in {recognised}"
    assert len(recognised) == len(expected), recognised


def assert_textract_shape(response: dict[str, Any]) -> None:
    """The response validates against botocore's model of GetDocumentTextDetection's output."""
    model = ServiceModel(Loader().load_service_model("textract", "service-2"), "textract")
    shape = model.operation_model("GetDocumentTextDetection").output_shape
    report = ParamValidator().validate(response, shape)
    assert not report.has_errors(), report.generate_report()


@needs_tesseract
@pytest.mark.parametrize("kind", ["PNG", "JPEG"])
def test_single_image_is_read_into_page_and_line_blocks(kind: str) -> None:
    ocr = TesseractTextDetection()
    response = finished(ocr, ocr.start(encoded([text_image(FIRST)], kind)))

    assert response["JobStatus"] == "SUCCEEDED"
    assert response["DocumentMetadata"] == {"Pages": 1}
    assert_textract_shape(response)
    assert_read(lines_by_page(response)[1], FIRST)
    page, *rest = response["Blocks"]
    assert page["BlockType"] == "PAGE"
    lines = [block for block in rest if block["BlockType"] == "LINE"]
    assert page["Relationships"][0]["Ids"] == [line["Id"] for line in lines]
    for line in lines:
        box = line["Geometry"]["BoundingBox"]
        assert 0 < line["Confidence"] <= 100
        assert 0 <= box["Left"] < box["Left"] + box["Width"] <= 1
        assert 0 <= box["Top"] < box["Top"] + box["Height"] <= 1
    # The first line was drawn from (40, 40) in a 1200 x 280 picture, about 45 px high.
    first = lines[0]["Geometry"]["BoundingBox"]
    assert first["Left"] == pytest.approx(40 / 1200, abs=0.02)
    assert first["Top"] == pytest.approx(40 / 280, abs=0.05)


@needs_tesseract
def test_multi_page_tiff_numbers_pages_in_order() -> None:
    ocr = TesseractTextDetection()
    tiff = encoded([text_image(FIRST), text_image(SECOND)], "TIFF")

    response = finished(ocr, ocr.start(tiff))

    assert response["DocumentMetadata"] == {"Pages": 2}
    pages = lines_by_page(response)
    assert sorted(pages) == [1, 2]
    assert_read(pages[1], FIRST)
    assert_read(pages[2], SECOND)
    assert [b["Page"] for b in response["Blocks"]] == sorted(b["Page"] for b in response["Blocks"])


@needs_tesseract
def test_image_only_pdf_is_rendered_and_read() -> None:
    ocr = TesseractTextDetection()
    response = finished(ocr, ocr.start(image_pdf(SECOND)))

    assert response["JobStatus"] == "SUCCEEDED"
    assert response["DocumentMetadata"] == {"Pages": 1}
    assert_read(lines_by_page(response)[1], SECOND)


@needs_tesseract
def test_paging_returns_every_block_once_in_order() -> None:
    ocr = TesseractTextDetection()
    job_id = ocr.start(encoded([text_image(FIRST + SECOND)], "PNG"))
    everything = finished(ocr, job_id)["Blocks"]
    assert "NextToken" not in finished(ocr, job_id)

    seen: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        response = ocr.get(job_id, max_results=3, next_token=token)
        assert len(response["Blocks"]) <= 3
        seen.extend(response["Blocks"])
        token = response.get("NextToken")
        if token is None:
            break

    assert len(everything) > 3
    assert [block["Id"] for block in seen] == [block["Id"] for block in everything]
    assert len({block["Id"] for block in seen}) == len(seen)
    with pytest.raises(ValueError, match="NextToken"):
        ocr.get(job_id, next_token="not-a-token")


@needs_tesseract
def test_jobs_run_concurrently_from_several_threads() -> None:
    ocr = TesseractTextDetection()
    documents = {
        "pdf": (image_pdf(FIRST), FIRST),
        "png": (encoded([text_image(SECOND)], "PNG"), SECOND),
        "other pdf": (image_pdf(SECOND), SECOND),
    }
    job_ids: dict[str, str] = {}

    def start(name: str, data: bytes) -> None:
        job_ids[name] = ocr.start(data)

    starters = [
        threading.Thread(target=start, args=(name, data)) for name, (data, _) in documents.items()
    ]
    for starter in starters:
        starter.start()
    for starter in starters:
        starter.join(WAIT_SECONDS)

    for name, (_, expected) in documents.items():
        response = finished(ocr, job_ids[name])
        assert response["JobStatus"] == "SUCCEEDED", response
        assert_read(lines_by_page(response)[1], expected)


@needs_tesseract
@pytest.mark.parametrize(
    ("document", "reason"),
    [
        (b"PK\x03\x04 a zip, not a scan", "UNSUPPORTED_DOCUMENT_FORMAT"),
        (b"plain text", "UNSUPPORTED_DOCUMENT_FORMAT"),
        (b"%PDF-1.7\n1 0 obj <<", "BAD_DOCUMENT"),
        (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "BAD_DOCUMENT"),
        (image_pdf(FIRST, owner_password="o", user_password="u"), "password-protected"),
        # Textract refuses an owner password too, though anyone may open such a PDF.
        (image_pdf(FIRST, owner_password="o"), "password-protected"),
    ],
    ids=["zip", "text", "damaged pdf", "damaged png", "user password", "owner password"],
)
def test_unreadable_documents_fail_the_job_with_a_reason(document: bytes, reason: str) -> None:
    ocr = TesseractTextDetection()
    response = finished(ocr, ocr.start(document))

    assert response["JobStatus"] == "FAILED"
    assert reason in response["StatusMessage"]
    assert_textract_shape(response)


@needs_tesseract
def test_missing_language_data_fails_the_job() -> None:
    ocr = TesseractTextDetection(languages="zzz")
    response = finished(ocr, ocr.start(encoded([text_image(FIRST)], "PNG")))

    assert response["JobStatus"] == "FAILED"
    assert "zzz" in response["StatusMessage"]


def test_unknown_job_id_raises_invalid_job_id() -> None:
    with pytest.raises(InvalidJobIdError):
        TesseractTextDetection().get("no-such-job")
    assert issubclass(InvalidJobIdError, KeyError)


def test_missing_command_is_unavailable_and_start_says_how_to_install() -> None:
    ocr = TesseractTextDetection(command="/nonexistent/tesseract")

    assert ocr.available() is False
    with pytest.raises(OcrUnavailableError, match=r"apt-get install tesseract-ocr") as error:
        ocr.start(b"\x89PNG\r\n\x1a\n")
    assert "brew install tesseract" in str(error.value)


def test_job_is_in_progress_until_tesseract_answers(tmp_path: Path) -> None:
    # Given a tesseract that waits for a file to appear (for at most 60 s), then prints a TSV
    go, tsv = tmp_path / "go", tmp_path / "page.tsv"
    header = "level page_num block_num par_num line_num word_num left top width height conf text"
    row = "5 1 1 1 1 1 10 20 300 40 90.5 Hello"
    tsv.write_text(f"{header}\n{row}\n".replace(" ", "\t"))
    command = fake_tesseract(
        tmp_path,
        f'i=0; while [ ! -e "{go}" ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done\n'
        f'cat "{tsv}"',
    )
    ocr = TesseractTextDetection(command=command)

    # When a job starts, it is IN_PROGRESS while tesseract runs
    job_id = ocr.start(encoded([text_image(FIRST)], "PNG"))
    assert ocr.get(job_id) == {"JobStatus": "IN_PROGRESS"}

    # Then it succeeds with tesseract's words once tesseract answers
    go.touch()
    response = finished(ocr, job_id)
    line = next(block for block in response["Blocks"] if block["BlockType"] == "LINE")
    assert line["Text"] == "Hello"
    assert line["Confidence"] == pytest.approx(90.5)
    assert line["Geometry"]["BoundingBox"] == pytest.approx(
        {"Left": 10 / 1200, "Top": 20 / 280, "Width": 300 / 1200, "Height": 40 / 280}
    )


def test_page_past_its_timeout_fails_the_job_and_ends_the_worker(tmp_path: Path) -> None:
    ocr = TesseractTextDetection(
        command=fake_tesseract(tmp_path, "exec sleep 30"), page_timeout_seconds=0.5
    )
    job_id = ocr.start(encoded([text_image(FIRST)], "PNG"))

    response = finished(ocr, job_id)

    assert response["JobStatus"] == "FAILED"
    assert "TIMEOUT" in response["StatusMessage"]
    worker = next((t for t in threading.enumerate() if t.name == f"ocr-{job_id[:8]}"), None)
    if worker is not None:
        worker.join(WAIT_SECONDS)
        assert not worker.is_alive()
