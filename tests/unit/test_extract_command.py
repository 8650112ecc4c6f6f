"""`docpipe extract`: the text and metadata the pipeline would see."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from docpipe import samples
from docpipe.cli import main


def test_extract_json_reports_type_pages_and_text(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    pdf = tmp_path / "agreement.pdf"
    pdf.write_bytes(samples.pdf_from_pages(samples.AGREEMENT_PAGES))
    assert main(["extract", str(pdf), "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["media_type"] == "application/pdf"
    assert result["pages"] == 2 and len(result["text_pages"]) == 2
    assert "Governing law" in result["text_pages"][1]["text"]
    assert result["characters"] == sum(len(p["text"]) for p in result["text_pages"])
    assert result["extractor"] and result["error"] is None
    assert result["language"] == "en"


def test_extract_names_the_error_of_bad_input_and_exits_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "damaged.pdf"
    bad.write_bytes(samples.invoice_pdf()[:400])
    good = tmp_path / "letter.txt"
    good.write_bytes(samples.LETTER.encode("cp1252"))
    assert main(["extract", str(bad), str(good)]) == 1
    out = capsys.readouterr().out
    assert "error: CorruptDocumentError" in out
    # cp1250 and cp1252 decode this letter identically; what matters is the text.
    assert "Renée" in out and "€120" in out and "José Martín" in out


@pytest.mark.skipif(shutil.which("tesseract") is None, reason="tesseract is not installed")
def test_extract_reads_a_scan_with_ocr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    scan = tmp_path / "receipt.pdf"
    scan.write_bytes(samples.scanned_pdf([samples.RECEIPT_LINES]))
    assert main(["extract", str(scan), "--json"]) == 0
    [result] = json.loads(capsys.readouterr().out)
    assert result["ocr_pages"] == [1]
    assert result["extractor"] == "pypdfium2+textract"
    assert "TOTAL PAID" in result["text_pages"][0]["text"].upper()


def test_extract_without_tesseract_names_ocr_unavailable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    from docpipe.textract_emulator import TesseractTextDetection

    monkeypatch.setattr(TesseractTextDetection, "available", lambda self: False)
    scan = tmp_path / "receipt.png"
    scan.write_bytes(samples.text_image(samples.RECEIPT_LINES))
    assert main(["extract", str(scan)]) == 1
    out = capsys.readouterr().out
    assert "error: OcrUnavailableError" in out and "apt-get install tesseract-ocr" in out
