"""Offline engine fixtures: each test gets a fresh emulated stack."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from docpipe.engine import LocalEngine


@pytest.fixture
def engine() -> Iterator[LocalEngine]:
    # Retry waits run at 1/1000 of real time; small chunks make short texts take the Map.
    with LocalEngine(
        time_scale=0.001,
        extra_env={"DOCPIPE_CHUNK_TOKENS": "400", "DOCPIPE_CHUNK_OVERLAP_TOKENS": "40"},
    ) as e:
        yield e
