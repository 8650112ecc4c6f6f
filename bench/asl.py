"""What the benchmarks read from the state machine: its fan-out and an execution's transitions.

The pipeline's inner fan-out is its Map state (one model call per chunk); its concurrency
(the setting DOCPIPE_MODEL_CALLS_PER_DOCUMENT, which Chunk Text hands to the Map's
`MaxConcurrencyPath`) bounds how many chunks are summarized at once. State transitions are
counted from an execution's history as Step Functions bills them: one per state entered,
and one per retry of a task.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from infra.config import PIPELINE_ASL
from tasks.shared.settings import Settings


@dataclass(frozen=True)
class FanOut:
    """The Map state: its name, how many items run at once (under the settings of this
    process's environment) and the states of one item."""

    name: str
    max_concurrency: int
    inner_states: frozenset[str]


def fan_out() -> FanOut:
    """The pipeline's (single) Map state."""
    definition = json.loads(PIPELINE_ASL.read_text(encoding="utf-8"))
    maps = [(n, s) for n, s in definition["States"].items() if s["Type"] == "Map"]
    if len(maps) != 1:
        raise ValueError(f"expected one Map state in {PIPELINE_ASL.name}, found {len(maps)}")
    name, state = maps[0]
    processor = state.get("ItemProcessor") or state["Iterator"]
    if "MaxConcurrencyPath" in state:  # Chunk Text hands over the setting's value
        concurrency = Settings.from_env().model_calls_per_document
    else:
        concurrency = int(state.get("MaxConcurrency", 0))
    return FanOut(name, concurrency, frozenset(processor["States"]))


@dataclass(frozen=True)
class Transitions:
    """Billed state transitions of one execution: all of them, and those inside the Map's
    items (the inner fan-out)."""

    total: int
    inner: int


def transitions(history: Iterable[dict[str, Any]], inner_states: frozenset[str]) -> Transitions:
    """Count the state transitions of an execution's history events.

    A retried task is scheduled again inside the same state: each extra schedule counts,
    on the state it belongs to (the last state entered on its branch, found through
    `previousEventId`).
    """
    events = {event["id"]: event for event in history}
    total = inner = 0
    for event in events.values():
        if event["type"].endswith("StateEntered"):
            counted = 1
            name = event["stateEnteredEventDetails"]["name"]
        elif event["type"] == "TaskScheduled" and _after_failure(events, event):
            counted = 1
            name = _state_of(events, event)
        else:
            continue
        total += counted
        if name in inner_states:
            inner += counted
    return Transitions(total, inner)


def _after_failure(events: dict[int, dict[str, Any]], event: dict[str, Any]) -> bool:
    previous = events.get(event.get("previousEventId", 0))
    return previous is not None and not previous["type"].endswith("StateEntered")


def _state_of(events: dict[int, dict[str, Any]], event: dict[str, Any]) -> str:
    current: dict[str, Any] | None = event
    while current is not None:
        if current["type"].endswith("StateEntered"):
            return str(current["stateEnteredEventDetails"]["name"])
        current = events.get(current.get("previousEventId", 0))
    return ""
