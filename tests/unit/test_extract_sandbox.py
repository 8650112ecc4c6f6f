"""The extraction sandbox: a child process bounded in time and memory, whatever the parser does."""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from tasks.extract_text import sandbox
from tasks.extract_text.common import ExtractionLimits
from tasks.extract_text.sandbox import extract_bounded
from tasks.shared.errors import (
    CorruptDocumentError,
    DocumentTooLargeError,
    EmptyDocumentError,
    ExtractionTimeoutError,
)

LIMITS = ExtractionLimits(max_seconds=0.5)
MEMORY = 256 * 2**20


def misbehaving(name: str) -> str:
    return f"misbehaving_extractors:{name}"


def test_a_document_is_extracted_in_the_child_like_in_process() -> None:
    result = extract_bounded(b"Invoice 42\n\nTotal due: 17 EUR.", LIMITS, MEMORY)

    assert result.media_type == "text/plain"
    assert [page.text for page in result.pages] == ["Invoice 42\n\nTotal due: 17 EUR."]


def test_the_extractors_named_errors_come_back_by_name() -> None:
    with pytest.raises(EmptyDocumentError, match="whitespace"):
        extract_bounded(b" \n\t \n", LIMITS, MEMORY)


def test_a_parser_that_never_returns_is_stopped_after_the_deadline(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(sandbox, "KILL_GRACE_SECONDS", 0.5)
    started = time.monotonic()

    with pytest.raises(ExtractionTimeoutError, match=r"limit of 0\.5 s"):
        extract_bounded(b"x", LIMITS, MEMORY, extractor=misbehaving("spin"))

    assert time.monotonic() - started < 10  # the bound is the deadline plus the grace


def test_a_parser_that_hoards_memory_fails_too_large_at_the_limit() -> None:
    with pytest.raises(DocumentTooLargeError, match="256 MB"):
        extract_bounded(b"x", LIMITS, MEMORY, extractor=misbehaving("hoard"))


def test_a_parser_that_crashes_fails_corrupt_and_the_next_document_still_runs() -> None:
    with pytest.raises(CorruptDocumentError, match="died"):
        extract_bounded(b"x", LIMITS, MEMORY, extractor=misbehaving("crash"))

    assert extract_bounded(b"Still here.", LIMITS, MEMORY).pages[0].text == "Still here."


def test_unbounded_recursion_fails_corrupt_as_nested_too_deeply() -> None:
    with pytest.raises(CorruptDocumentError, match="nested too deeply"):
        extract_bounded(b"x", LIMITS, MEMORY, extractor=misbehaving("recurse"))


def test_a_librarys_own_error_is_named_corrupt_with_a_short_clean_excerpt() -> None:
    with pytest.raises(CorruptDocumentError) as raised:
        extract_bounded(b"secret " * 1000, LIMITS, MEMORY, extractor=misbehaving("choke"))

    message = str(raised.value)
    assert message.startswith("The document could not be parsed (ValueError: bad")
    assert len(message) < 200
    assert "\x00" not in message and "\n" not in message


def test_a_server_that_died_is_started_again() -> None:
    extract_bounded(b"first", LIMITS, MEMORY)
    pid = sandbox.server_pid()
    assert pid is not None
    os.kill(pid, signal.SIGKILL)
    while sandbox.server_pid() == pid:  # until its parent sees it gone
        time.sleep(0.01)

    assert extract_bounded(b"second", LIMITS, MEMORY).pages[0].text == "second"


def test_stopping_the_extractions_ends_one_in_progress_at_once() -> None:
    # Given an extraction that would run for a minute
    slow = ExtractionLimits(max_seconds=60)
    outcome: list[BaseException] = []

    def extract() -> None:
        try:
            extract_bounded(b"x", slow, MEMORY, extractor=misbehaving("spin"))
        except BaseException as exc:  # noqa: BLE001
            outcome.append(exc)

    waiting = threading.Thread(target=extract)
    waiting.start()
    time.sleep(0.5)

    # When the extractions are stopped (the engine's environments end)
    sandbox.stop_extractions()

    # Then the caller has its answer at once, a named error
    waiting.join(timeout=10)
    assert not waiting.is_alive()
    assert [type(exc) for exc in outcome] == [CorruptDocumentError]
    # And the next extraction starts a new server
    assert extract_bounded(b"Next.", LIMITS, MEMORY).pages[0].text == "Next."


def test_a_measured_extraction_says_its_time_and_peak_memory() -> None:
    ok = sandbox.extract_measured(b"Measured text.", LIMITS, MEMORY)
    hoarded = sandbox.extract_measured(b"x", LIMITS, MEMORY, extractor=misbehaving("hoard"))

    assert ok.error is None and ok.text().pages[0].text == "Measured text."
    assert ok.peak_memory_bytes is not None and 0 < ok.peak_memory_bytes < MEMORY
    assert 0 < ok.seconds < 10
    assert isinstance(hoarded.error, DocumentTooLargeError) and hoarded.result is None
    # The child held about its allowance above what it started with, and no more (the
    # allowance counts address space, which maps more than is resident at the start)
    assert hoarded.peak_memory_bytes is not None
    slack = 64 * 2**20
    assert MEMORY - slack < hoarded.peak_memory_bytes - ok.peak_memory_bytes < MEMORY + slack
