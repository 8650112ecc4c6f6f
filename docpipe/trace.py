"""`docpipe trace`: an execution's timeline, read from its Step Functions history.

The history comes through the Step Functions API (`describe_execution`,
`get_execution_history`), from AWS through boto3 or offline from the state directory
(docpipe/state.py's OfflineStepFunctions), so the timeline is the same either way. Each
event names the one before it in its own thread (`previousEventId`), which attributes task
attempts to their state and the states inside a Map to their iteration, however the
iterations interleave.
"""

from __future__ import annotations

import datetime
import json
from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

# Characters of a state's input or output shown unless the whole is asked for.
ABRIDGED = 240


class StepFunctionsReader(Protocol):
    """The Step Functions calls a trace makes (boto3's client, or the offline twin)."""

    def describe_execution(self, **kwargs: Any) -> Any: ...
    def get_execution_history(self, **kwargs: Any) -> Any: ...


@dataclass
class Attempt:
    """One try of a task: when, and the error it ended in (None: it succeeded)."""

    number: int
    started: str
    error: str | None = None
    cause: str | None = None
    backoff_s: float | None = None  # the wait before the next try


@dataclass
class StateRun:
    """One state's run: entered, tried, left (or not)."""

    name: str
    type: str
    status: str  # succeeded, failed, caught, running, stopped
    started: str
    duration_s: float | None
    attempts: list[Attempt] = field(default_factory=list)
    input: str | None = None
    output: str | None = None
    map: str | None = None  # the Map state an iteration's state runs in
    iteration: int | None = None
    error: str | None = None
    cause: str | None = None
    iterations: dict[str, int] | None = None  # a Map's: succeeded, failed, aborted


def _iso(moment: Any) -> str:
    if isinstance(moment, datetime.datetime):
        return moment.isoformat(timespec="milliseconds")
    return str(moment)


def _seconds(start: Any, end: Any) -> float | None:
    if isinstance(start, datetime.datetime) and isinstance(end, datetime.datetime):
        return round((end - start).total_seconds(), 3)
    return None


def _abridge(text: Any, full: bool) -> str | None:
    if text is None:
        return None
    value = text if isinstance(text, str) else json.dumps(text)
    return value if full or len(value) <= ABRIDGED else value[:ABRIDGED] + " …"


def _details(event: dict[str, Any]) -> dict[str, Any]:
    for key, value in event.items():
        if key.endswith("EventDetails") and isinstance(value, dict):
            return value
    return {}


def trace(sfn: StepFunctionsReader, execution_arn: str, *, full: bool = False) -> dict[str, Any]:
    """`{"execution_arn", "name", "status", "started", "duration_s", "error", "cause",
    "states": [StateRun as dict]}` of one execution, states in the order they were entered."""
    described = sfn.describe_execution(executionArn=execution_arn)
    events: list[dict[str, Any]] = []
    token: str | None = None
    while True:
        page = sfn.get_execution_history(
            executionArn=execution_arn, maxResults=1000, **({"nextToken": token} if token else {})
        )
        events.extend(page["events"])
        token = page.get("nextToken")
        if not token:
            break
    runs = _state_runs(events, described["status"], full)
    return {
        "execution_arn": execution_arn,
        "name": described.get("name"),
        "status": described["status"],
        "started": _iso(described.get("startDate")),
        "duration_s": _seconds(described.get("startDate"), described.get("stopDate")),
        "error": described.get("error"),
        "cause": described.get("cause"),
        "states": [asdict(run) for run in runs],
    }


def _state_runs(events: list[dict[str, Any]], status: str, full: bool) -> list[StateRun]:
    by_id = {event["id"]: event for event in events}
    owner: dict[int, StateRun | None] = {}  # event id -> the state run it belongs to
    where: dict[int, tuple[str | None, int | None]] = {}  # event id -> (map, iteration)
    runs: list[StateRun] = []
    maps: dict[str, StateRun] = {}
    for event in events:
        kind, details = event["type"], _details(event)
        previous = event.get("previousEventId") or 0
        run = owner.get(previous)
        context = where.get(previous, (None, None))
        if kind == "MapIterationStarted":
            context = (details.get("name"), details.get("index"))
        elif kind.startswith("MapState") and kind != "MapStateStarted":
            # The Map's own end follows the last event of one of its iterations: it belongs
            # to the Map, and what comes next runs where the Map runs.
            mapped = maps.get(details.get("name") or context[0] or "")
            if mapped is not None:
                run, context = mapped, (mapped.map, mapped.iteration)
        where[event["id"]] = context
        if kind.endswith("StateEntered"):
            run = StateRun(
                name=details.get("name", "?"),
                type=kind.removesuffix("StateEntered"),
                status="running",
                started=_iso(event["timestamp"]),
                duration_s=None,
                input=_abridge(details.get("input"), full),
                map=context[0],
                iteration=context[1],
            )
            run._entered = event["timestamp"]  # type: ignore[attr-defined]
            runs.append(run)
            if run.type == "Map":
                run.iterations = {"succeeded": 0, "failed": 0, "aborted": 0}
                maps[run.name] = run
            if run.type == "Fail":
                run.status = "failed"
        owner[event["id"]] = run
        if run is None:
            continue
        if kind == "TaskScheduled":
            if run.attempts and run.attempts[-1].error is not None:
                run.attempts[-1].backoff_s = _seconds(
                    by_id.get(_failed_at(run), {}).get("timestamp"), event["timestamp"]
                )
            run.attempts.append(Attempt(len(run.attempts) + 1, _iso(event["timestamp"])))
            run._failed_event = None  # type: ignore[attr-defined]
        elif kind in ("TaskFailed", "TaskTimedOut", "TaskSubmitFailed", "TaskStartFailed"):
            if not run.attempts:
                run.attempts.append(Attempt(1, _iso(event["timestamp"])))
            run.attempts[-1].error = details.get("error")
            run.attempts[-1].cause = _abridge(readable_cause(details.get("cause")) or None, full)
            run._failed_event = event["id"]  # type: ignore[attr-defined]
        elif kind.startswith("MapIteration") and details.get("name") in maps:
            outcome = kind.removeprefix("MapIteration").lower()
            counts = maps[details["name"]].iterations
            if counts is not None and outcome in counts:
                counts[outcome] += 1
        elif kind == "MapStateFailed":
            failing = _failing_iteration(runs, run.name)
            run.error = details.get("error") or (failing.error if failing else "States.MapFailed")
            run.cause = _abridge(readable_cause(details.get("cause")) or None, full) or (
                failing.cause if failing else None
            )
        elif kind.endswith("StateExited"):
            run.output = _abridge(details.get("output"), full)
            run.duration_s = _seconds(getattr(run, "_entered", None), event["timestamp"])
            last = run.attempts[-1] if run.attempts else None
            if last is not None and last.error is not None:
                run.status, run.error, run.cause = "caught", last.error, last.cause
            elif run.error is not None:  # a Map that failed, and was caught
                run.status = "caught"
            elif run.status != "failed":
                run.status = "succeeded"
        elif kind == "ExecutionFailed" and run.status == "running":
            run.status, run.error = "failed", details.get("error")
            run.cause = _abridge(readable_cause(details.get("cause")) or None, full)
    for run in runs:
        for private in ("_entered", "_failed_event"):
            if hasattr(run, private):
                delattr(run, private)
        if run.status == "running" and status != "RUNNING":
            # Never left: failed there, or stopped with the execution (a Map's other
            # iterations when one failed, a timeout, an abort).
            last = run.attempts[-1] if run.attempts else None
            failed = run.error is not None or (last is not None and last.error)
            run.status = "failed" if failed else "stopped"
            if last is not None and last.error and run.error is None:
                run.error, run.cause = last.error, last.cause
    return runs


def _failing_iteration(runs: list[StateRun], map_name: str) -> StateRun | None:
    """The first state inside the Map `map_name` whose last attempt failed."""
    for inner in runs:
        last = inner.attempts[-1] if inner.attempts else None
        if inner.map == map_name and last is not None and last.error is not None:
            inner.error, inner.cause = last.error, last.cause
            return inner
    return None


def _failed_at(run: StateRun) -> int:
    return int(getattr(run, "_failed_event", 0) or 0)


_MARKS = {"succeeded": "✓", "failed": "✗", "caught": "⚠", "running": "…", "stopped": "■"}


def render(traced: dict[str, Any]) -> str:
    """The timeline as text: one line per state, its attempts and the failing cause."""
    lines = [
        f"{traced['name']}  {traced['status']}"
        + (f"  {traced['duration_s']:.2f} s" if traced["duration_s"] is not None else ""),
        f"  {traced['execution_arn']}",
    ]
    if traced.get("error"):
        lines.append(f"  error: {traced['error']}: {readable_cause(traced.get('cause'))[:300]}")
    origin = _parse(traced["started"])
    for run in traced["states"]:
        offset = _offset(origin, run["started"])
        duration = f"{run['duration_s']:.2f}s" if run["duration_s"] is not None else "-"
        indent = "      " if run["map"] is not None else "  "
        label = run["name"] + (f" [{run['iteration']}]" if run["iteration"] is not None else "")
        line = (
            f"{indent}{_MARKS.get(run['status'], '?')} {label:<34} +{offset:>8.2f}s {duration:>9}"
        )
        if run["iterations"]:
            counts = run["iterations"]
            line += f"  iterations: {counts['succeeded']} succeeded, {counts['failed']} failed"
        retried = [a for a in run["attempts"] if a["error"]]
        if len(run["attempts"]) > 1:
            line += f"  {len(run['attempts'])} attempts"
        lines.append(line)
        for attempt in retried:
            wait = f", retried after {attempt['backoff_s']:.2f}s" if attempt["backoff_s"] else ""
            lines.append(f"{indent}    attempt {attempt['number']}: {attempt['error']}{wait}")
        if run["status"] in ("failed", "caught") and run["error"]:
            cause = readable_cause(run["cause"]).replace("\n", " ")[:200]
            arrow = "caught" if run["status"] == "caught" else "FAILED"
            lines.append(f"{indent}    {arrow}: {run['error']}: {cause}")
    return "\n".join(lines)


def readable_cause(cause: str | None) -> str:
    """A cause as people read it: a Lambda error's message rather than its JSON envelope."""
    if not cause:
        return ""
    try:
        parsed = json.loads(cause)
    except (json.JSONDecodeError, TypeError):
        return cause
    if isinstance(parsed, dict) and parsed.get("errorMessage"):
        return str(parsed["errorMessage"])
    return cause


def _parse(text: str) -> datetime.datetime | None:
    try:
        return datetime.datetime.fromisoformat(text)
    except ValueError:
        return None


def _offset(origin: datetime.datetime | None, text: str) -> float:
    moment = _parse(text)
    if origin is None or moment is None:
        return 0.0
    return (moment - origin).total_seconds()
