"""The extraction limits people can set: each one stops a document with its named error."""

from __future__ import annotations

import io
import zipfile

import pytest

from tasks.extract_text.common import ExtractionLimits
from tasks.extract_text.extraction import extract_text
from tasks.extract_text.task import configured_limits
from tasks.shared.errors import DocumentTooLargeError
from tasks.shared.settings import Settings


def test_the_limits_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "DOCPIPE_MAX_DOCUMENT_BYTES": "1000",
        "DOCPIPE_MAX_PAGES": "7",
        "DOCPIPE_MAX_CHARACTERS": "5000",
        "DOCPIPE_MAX_EXTRACT_SECONDS": "9",
        "DOCPIPE_MAX_UNZIPPED_BYTES": "123456",
        "DOCPIPE_MAX_CELLS": "42",
    }.items():
        monkeypatch.setenv(name, value)

    limits = configured_limits(Settings.from_env())

    assert limits == ExtractionLimits(
        max_bytes=1000,
        max_pages=7,
        max_characters=5000,
        max_seconds=9.0,
        max_unzipped_bytes=123456,
        max_cells=42,
    )
    assert Settings.from_env().max_extract_memory_mb == 640


def test_a_csv_with_more_cells_than_allowed_is_too_large() -> None:
    rows = "\n".join(f"{i},{i * 2},{i * 3}" for i in range(50))
    csv = f"a,b,c\n{rows}\n".encode()

    assert extract_text(csv, ExtractionLimits(max_cells=200)).media_type == "text/csv"
    with pytest.raises(DocumentTooLargeError, match="limit of 100 cells"):
        extract_text(csv, ExtractionLimits(max_cells=100))


def test_a_container_expanding_past_the_unzipped_limit_is_too_large() -> None:
    from docpipe import samples

    document = samples.docx_from_pages([["A short paragraph of a real document."]])
    with zipfile.ZipFile(io.BytesIO(document)) as archive:
        unzipped = sum(entry.file_size for entry in archive.infolist())

    assert extract_text(document, ExtractionLimits(max_unzipped_bytes=unzipped)).pages
    with pytest.raises(DocumentTooLargeError, match=f"the limit is {unzipped - 1:,} bytes"):
        extract_text(document, ExtractionLimits(max_unzipped_bytes=unzipped - 1))
