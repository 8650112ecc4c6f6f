"""Textract's asynchronous text detection, done by tesseract on this machine.

The offline engine runs the state machine's OCR branch (StartDocumentTextDetection, then a
Wait loop over GetDocumentTextDetection) against this class instead of AWS. It reads what
Textract reads (PDF, PNG, JPEG, single- and multi-page TIFF, told apart by their magic
bytes), runs `tesseract ... tsv` on every page in a background thread, and answers in the
shape of GetDocumentTextDetection: one PAGE block per page, then its LINE blocks, then its
WORD blocks, paged by MaxResults/NextToken. Documents Textract refuses end the job FAILED
with a StatusMessage that names the problem.
"""

from __future__ import annotations

import io
import logging
import os
import shutil
import subprocess
import threading
import uuid
from collections.abc import Generator
from contextlib import closing
from dataclasses import dataclass, field
from typing import Any

import pypdfium2
import pypdfium2.raw as pdfium_c
from PIL import Image, ImageOps, ImageSequence

from tasks.extract_text.image import media_type_of
from tasks.extract_text.pdf import PDFIUM_LOCK
from tasks.shared.errors import OcrUnavailableError

# How to install tesseract, for every message that says OCR is unavailable offline.
INSTALL_TESSERACT = (
    "`sudo apt-get install tesseract-ocr tesseract-ocr-eng` (Debian/Ubuntu) or "
    "`brew install tesseract` (macOS)"
)

MODEL_VERSION = "1.0"
MAX_RESULTS = 1000
PAGE_TIMEOUT_SECONDS = 120.0
# A rendered page's longest side, in pixels: a poster-sized PDF page at 300 dpi would
# otherwise take gigabytes of memory and minutes of OCR.
MAX_PAGE_PIXELS = 10_000

_PASSWORD_ERROR_CODES = frozenset({pdfium_c.FPDF_ERR_PASSWORD, pdfium_c.FPDF_ERR_SECURITY})
# Pillow reports damage as these (UnidentifiedImageError is an OSError).
_IMAGE_ERRORS = (Image.DecompressionBombError, OSError, ValueError, SyntaxError)
_TSV_FIELDS = 12
_WORD_LEVEL = "5"

logger = logging.getLogger(__name__)


class InvalidJobIdError(KeyError):
    """No job has this JobId (Textract's InvalidJobIdException)."""


class _JobFailedError(Exception):
    """The document cannot be read; the message is the job's StatusMessage."""


@dataclass(frozen=True)
class _Job:
    status: str = "IN_PROGRESS"
    pages: int = 0
    blocks: list[dict[str, Any]] = field(default_factory=list)
    message: str | None = None


class TesseractTextDetection:
    """Textract's asynchronous text detection, done by tesseract on this machine.

    Thread-safe: jobs may be started and read from any thread, and run concurrently.
    """

    def __init__(
        self,
        command: str = "tesseract",
        languages: str = "eng",
        dpi: int = 300,
        *,
        page_timeout_seconds: float = PAGE_TIMEOUT_SECONDS,
    ) -> None:
        self._command = command
        self._languages = languages
        self._dpi = dpi
        self._page_timeout = page_timeout_seconds
        self._executable: str | None = None
        self._checked = False
        self._probe_lock = threading.Lock()  # the probe may take a while: not under _lock
        self._lock = threading.Lock()
        self._jobs: dict[str, _Job] = {}

    def available(self) -> bool:
        """Whether the tesseract command resolves and runs (checked once, then cached)."""
        with self._probe_lock:
            if not self._checked:
                self._executable = _working_executable(self._command)
                self._checked = True
            return self._executable is not None

    def start(self, document: bytes) -> str:
        """Start OCR of `document` in the background and return its JobId at once.

        Raises:
            OcrUnavailableError: the tesseract command is not installed or does not run.
        """
        if not self.available():
            raise OcrUnavailableError(
                f"Scanned pages need OCR, which runs offline with tesseract, but "
                f"'{self._command}' is not installed or does not run. Install it with "
                f"{INSTALL_TESSERACT}, then try again."
            )
        job_id = str(uuid.uuid4())
        with self._lock:
            self._jobs[job_id] = _Job()
        worker = threading.Thread(
            target=self._run, args=(job_id, document), name=f"ocr-{job_id[:8]}", daemon=True
        )
        worker.start()
        return job_id

    def get(
        self, job_id: str, max_results: int | None = None, next_token: str | None = None
    ) -> dict[str, Any]:
        """The job's state as Textract's GetDocumentTextDetection answers it.

        Raises:
            InvalidJobIdError: no job has this id.
            ValueError: `max_results` is below 1 or `next_token` is not one this job gave.
        """
        with self._lock:
            job = self._jobs.get(job_id)
        if job is None:
            raise InvalidJobIdError(job_id)
        if job.status == "IN_PROGRESS":
            return {"JobStatus": job.status}
        response: dict[str, Any] = {
            "JobStatus": job.status,
            "DocumentMetadata": {"Pages": job.pages},
            "DetectDocumentTextModelVersion": MODEL_VERSION,
        }
        if job.status == "FAILED":
            return {**response, "StatusMessage": job.message}
        limit = MAX_RESULTS if max_results is None else min(max_results, MAX_RESULTS)
        if limit < 1:
            raise ValueError(f"MaxResults must be at least 1, not {max_results}.")
        start = _offset(next_token, job_id, len(job.blocks))
        end = start + limit
        response["Blocks"] = job.blocks[start:end]
        if end < len(job.blocks):
            response["NextToken"] = f"{job_id}/{end}"
        return response

    def _run(self, job_id: str, document: bytes) -> None:
        try:
            blocks: list[dict[str, Any]] = []
            pages = 0
            # closing(): a failed page releases the PDF now, not whenever the GC runs.
            with closing(_pages(document, self._dpi)) as images:
                for image in images:
                    pages += 1
                    blocks.extend(_page_blocks(pages, image, self._ocr(image)))
            result = _Job("SUCCEEDED", pages, blocks)
        except _JobFailedError as error:
            result = _Job("FAILED", message=str(error))
        except subprocess.TimeoutExpired as error:
            result = _Job("FAILED", message=f"TIMEOUT: OCR of a page ran past {error.timeout} s.")
        except Exception as error:
            # A crashed worker would leave the job IN_PROGRESS for ever; fail it instead.
            logger.exception("OCR job %s crashed", job_id)
            result = _Job("FAILED", message=f"INTERNAL_ERROR: {type(error).__name__}: {error}")
        with self._lock:
            self._jobs[job_id] = result

    def _ocr(self, image: Image.Image) -> str:
        """Tesseract's TSV for one page image."""
        png = io.BytesIO()
        image.save(png, format="PNG", compress_level=1)
        command = [self._executable or self._command, "stdin", "stdout", "-l", self._languages]
        completed = subprocess.run(
            [*command, "--dpi", str(self._dpi), "tsv"],
            input=png.getvalue(),
            capture_output=True,
            # Tesseract's OpenMP threads spin against each other and against concurrent
            # jobs: on 2 CPUs one A4 page at 300 dpi took 19 s with them, 3 s without.
            env={**os.environ, "OMP_THREAD_LIMIT": "1"},
            timeout=self._page_timeout,
            check=False,
        )
        if completed.returncode != 0:
            stderr = completed.stderr.decode("utf-8", "replace").strip()
            raise _JobFailedError(f"OCR_ERROR: tesseract exited {completed.returncode}: {stderr}")
        return completed.stdout.decode("utf-8", "replace")


def _working_executable(command: str) -> str | None:
    executable = shutil.which(command)
    if executable is None:
        return None
    try:
        probe = subprocess.run(
            [executable, "--version"], capture_output=True, timeout=30, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return executable if probe.returncode == 0 else None


def _offset(token: str | None, job_id: str, total: int) -> int:
    if token is None:
        return 0
    owner, _, number = token.rpartition("/")
    if owner != job_id or not number.isdigit() or int(number) > total:
        raise ValueError(f"NextToken {token!r} was not issued for job {job_id}.")
    return int(number)


def _pages(document: bytes, dpi: int) -> Generator[Image.Image, None, None]:
    """Every page of the document as an image, in order."""
    if document.startswith(b"%PDF-"):
        yield from _pdf_pages(document, dpi)
    elif media_type_of(document) is not None:
        yield from _image_pages(document)
    else:
        raise _JobFailedError(
            "UNSUPPORTED_DOCUMENT_FORMAT: the document is not a PDF, PNG, JPEG or TIFF file."
        )


def _pdf_pages(document: bytes, dpi: int) -> Generator[Image.Image, None, None]:
    # Every pdfium call holds the lock; it is released while tesseract reads a page.
    with PDFIUM_LOCK:
        try:
            pdf = pypdfium2.PdfDocument(document)
        except pypdfium2.PdfiumError as error:
            if error.err_code in _PASSWORD_ERROR_CODES:
                raise _JobFailedError(_PASSWORD_MESSAGE) from error
            raise _JobFailedError(f"BAD_DOCUMENT: the PDF cannot be read ({error}).") from error
    try:
        with PDFIUM_LOCK:
            protected = int(pdfium_c.FPDF_GetSecurityHandlerRevision(pdf.raw)) != -1
            count = len(pdf)
        if protected:
            raise _JobFailedError(_PASSWORD_MESSAGE)
        for index in range(count):
            with PDFIUM_LOCK:
                image = _render(pdf, index, dpi)
            yield image
    finally:
        with PDFIUM_LOCK:
            pdf.close()


_PASSWORD_MESSAGE = "UNSUPPORTED_DOCUMENT_FORMAT: the PDF is password-protected."


def _render(pdf: pypdfium2.PdfDocument, index: int, dpi: int) -> Image.Image:
    page = pdf[index]
    try:
        scale = min(dpi / 72, MAX_PAGE_PIXELS / max(*page.get_size(), 1.0))
        bitmap = page.render(scale=scale)
        try:
            # A copy: the bitmap's pixels are pdfium memory, freed with it.
            image: Image.Image = bitmap.to_pil()
            return image.copy()
        finally:
            bitmap.close()
    finally:
        page.close()


def _image_pages(document: bytes) -> Generator[Image.Image, None, None]:
    try:
        with Image.open(io.BytesIO(document)) as image:
            for frame in ImageSequence.Iterator(image):
                yield _flattened(frame)
    except _IMAGE_ERRORS as error:
        raise _JobFailedError(f"BAD_DOCUMENT: the image cannot be read ({error}).") from error


def _flattened(frame: Image.Image) -> Image.Image:
    """A copy of the frame, upright, in a mode PNG holds, transparency laid on white."""
    upright = ImageOps.exif_transpose(frame)
    if upright.mode in ("1", "L", "RGB"):
        return upright
    background = Image.new("RGBA", upright.size, "white")
    return Image.alpha_composite(background, upright.convert("RGBA")).convert("RGB")


def _page_blocks(page: int, image: Image.Image, tsv: str) -> list[dict[str, Any]]:
    """The PAGE block, then its LINE blocks in reading order, then their WORD blocks."""
    width, height = image.size
    lines: dict[tuple[str, str, str], list[list[str]]] = {}
    for row in tsv.splitlines()[1:]:
        cells = row.split("\t", _TSV_FIELDS - 1)
        if len(cells) == _TSV_FIELDS and cells[0] == _WORD_LEVEL and cells[11].strip():
            lines.setdefault((cells[2], cells[3], cells[4]), []).append(cells)
    line_blocks: list[dict[str, Any]] = []
    word_blocks: list[dict[str, Any]] = []
    for words in lines.values():
        children = [_block("WORD", page, [w], width, height) for w in words]
        line = _block("LINE", page, words, width, height)
        line["Relationships"] = [{"Type": "CHILD", "Ids": [w["Id"] for w in children]}]
        line_blocks.append(line)
        word_blocks.extend({**w, "TextType": "PRINTED"} for w in children)
    page_block = {
        "BlockType": "PAGE",
        "Id": str(uuid.uuid4()),
        "Page": page,
        "Geometry": _geometry(0.0, 0.0, 1.0, 1.0),
        "Relationships": [{"Type": "CHILD", "Ids": [line["Id"] for line in line_blocks]}],
    }
    return [page_block, *line_blocks, *word_blocks]


def _block(kind: str, page: int, words: list[list[str]], width: int, height: int) -> dict[str, Any]:
    """A LINE or WORD block: the words' text, mean confidence and the union of their boxes."""
    boxes = [[int(number) for number in word[6:10]] for word in words]
    left = min(box[0] for box in boxes)
    top = min(box[1] for box in boxes)
    right = max(box[0] + box[2] for box in boxes)
    bottom = max(box[1] + box[3] for box in boxes)
    return {
        "BlockType": kind,
        "Id": str(uuid.uuid4()),
        "Page": page,
        "Text": " ".join(word[11].strip() for word in words),
        "Confidence": sum(float(word[10]) for word in words) / len(words),
        "Geometry": _geometry(
            left / width, top / height, (right - left) / width, (bottom - top) / height
        ),
    }


def _geometry(left: float, top: float, width: float, height: float) -> dict[str, Any]:
    corners = [(left, top), (left + width, top), (left + width, top + height), (left, top + height)]
    return {
        "BoundingBox": {"Width": width, "Height": height, "Left": left, "Top": top},
        "Polygon": [{"X": x, "Y": y} for x, y in corners],
    }
