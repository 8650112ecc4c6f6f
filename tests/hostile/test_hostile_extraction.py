"""Every hostile kind ends in its outcome, within the time and memory bounds, through the
extraction sandbox the Extract Text task uses (tests/hostile/hostile_files.py)."""

from __future__ import annotations

import time

import pytest
from hostile_files import KINDS, Kind

from tasks.extract_text.common import ExtractionLimits
from tasks.extract_text.detect import SUPPORTED
from tasks.extract_text.sandbox import KILL_GRACE_SECONDS, extract_measured

# The bounds the suite holds every kind to: the task's own deadline (the default is 240 s;
# a pathological file must fail by it, named) and the memory the child may add.
LIMITS = ExtractionLimits(max_seconds=20)
MEMORY = 512 * 2**20
# What the child starts with (the fork server's interpreter and parsers, shared pages).
BASELINE = 200 * 2**20


def test_the_suite_covers_every_family_with_at_least_45_kinds() -> None:
    families = {k.family for k in KINDS}
    assert len(KINDS) >= 45
    assert families == {
        "empty", "extension", "pdf", "office", "html", "text", "csv", "email", "image",
        "unsupported",
    }  # fmt: skip
    assert len({k.name for k in KINDS}) == len(KINDS)


@pytest.mark.parametrize("hostile", KINDS, ids=[k.name for k in KINDS])
def test_a_hostile_file_ends_in_its_outcome_within_bounds(hostile: Kind) -> None:
    data = hostile.build()
    started = time.monotonic()

    extraction = extract_measured(data, LIMITS, MEMORY)

    seconds = time.monotonic() - started
    outcome = (
        extraction.result.media_type
        if extraction.result is not None
        else type(extraction.error).__name__
    )
    assert outcome in hostile.outcomes, f"{hostile.name}: {outcome}: {extraction.error}"
    assert seconds < LIMITS.max_seconds + KILL_GRACE_SECONDS + 5, f"{hostile.name}: {seconds:.1f} s"
    if extraction.peak_memory_bytes is not None:
        assert extraction.peak_memory_bytes < BASELINE + MEMORY, hostile.name
    text = "\n".join(p.text for p in extraction.result.pages) if extraction.result else ""
    message = str(extraction.error or "")
    if hostile.contains is not None:
        assert hostile.contains in text, hostile.name
    if hostile.never is not None:
        assert hostile.never not in text and hostile.never not in message, hostile.name
    if hostile.family == "unsupported":
        assert SUPPORTED in message  # it names what is supported
