"""Extractors that misbehave the ways hostile files make real parsers misbehave; the
extraction sandbox runs them by name in its child process (tests/unit/test_extract_sandbox.py)."""

from __future__ import annotations

import os
import signal
from typing import NoReturn

from tasks.extract_text.common import ExtractionLimits


def spin(data: bytes, limits: ExtractionLimits) -> NoReturn:
    """Busy forever without ever checking a deadline (a C loop, a regex backtracking)."""
    while True:
        pass


def hoard(data: bytes, limits: ExtractionLimits) -> NoReturn:
    """Allocate without end (a zip bomb, a pixel bomb)."""
    kept = []
    while True:
        kept.append(bytearray(32 * 2**20))


def crash(data: bytes, limits: ExtractionLimits) -> NoReturn:
    """Die of a signal (a native parser's segmentation fault)."""
    os.kill(os.getpid(), signal.SIGSEGV)
    raise AssertionError("unreachable")


def recurse(data: bytes, limits: ExtractionLimits) -> NoReturn:
    """Recurse without bound (a document nested thousands of levels deep)."""

    def down(depth: int) -> int:
        return down(depth + 1) + 1

    down(0)
    raise AssertionError("unreachable")


def choke(data: bytes, limits: ExtractionLimits) -> NoReturn:
    """Raise a library's own error, with a long message quoting the document."""
    raise ValueError("bad\x00 byte in\n" + data.decode("latin-1"))
