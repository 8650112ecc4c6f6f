"""Timestamps in the one format the pipeline compares: Step Functions' `$$.State.EnteredTime`.

Register Document compares a record's `expires_at` (written by the starter) with the state's
entered time as strings, so both must be ISO 8601 UTC with milliseconds and a `Z`.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


def iso(moment: datetime) -> str:
    """`2026-12-04T23:55:22.123Z`: sortable as a string, like Step Functions' timestamps."""
    utc = moment.astimezone(UTC)
    return f"{utc:%Y-%m-%dT%H:%M:%S}.{utc.microsecond // 1000:03d}Z"


def now() -> datetime:
    """The current time, in UTC."""
    return datetime.now(UTC)


def parse(text: str) -> datetime:
    """Read an ISO 8601 timestamp (with `Z` or an offset)."""
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def later(moment: datetime, seconds: float) -> datetime:
    """`moment` plus `seconds`."""
    return moment + timedelta(seconds=seconds)
