"""Measuring the offline engine from outside: time inside its handlers, and quiet waiting.

The engine keeps its handlers in a table (function ARN → handler, memory, timeout) that
`_invoke_handler` calls; `HandlerClock.install` wraps each entry with a timer, so the time
measured is the handler's own call and nothing of the engine around it (payload encoding,
the Lambda answer, moto's interpreter). Times are epoch seconds (`time.time()`), so they can
be set against the dates Step Functions reports for an execution.

`HandlerClock.wait` waits for an execution's end without disturbing what is measured: it
sleeps until the engine's own end-of-execution handler has run for it. `LocalEngine.wait`
now also sleeps until the engine reports the end, but asks DescribeExecution through boto3
(about 1 ms of CPU under the interpreter lock the engine needs) at its start, at the end
and once a second; the benchmark runs both, to show that this costs nothing. Polling often
would: each poll takes the interpreter lock from the engine.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from docpipe.engine import ExecutionOutcome, LocalEngine, WaitTimeout
from tasks.catalog import EXECUTION_ENDED

# How often `HandlerClock.wait` also asks the engine, in case no end event comes (an engine
# that is stopping drops them).
FALLBACK_POLL_S = 1.0


@dataclass(frozen=True)
class Call:
    """One handler call: the function's name and when it started and ended (epoch s)."""

    function: str
    start: float
    end: float


class HandlerClock:
    """Records every handler call of an engine it is installed on."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._calls: list[Call] = []
        self._ended: set[str] = set()
        self._end = threading.Condition(self._lock)

    def install(self, engine: LocalEngine) -> None:
        """Wrap every handler of the (entered) engine with a timer.

        The handler table is the engine's private attribute: the benchmark reads the
        engine's own dispatch without changing docpipe/ for it.
        """
        table: dict[str, tuple[Callable[..., Any], int, int]] = engine._handlers
        ended = engine._function_arn(EXECUTION_ENDED.package)
        for arn, (handler, memory, timeout) in list(table.items()):
            timed = self._timed(arn.rsplit(":", 1)[-1], handler, arn == ended)
            table[arn] = (timed, memory, timeout)

    def _timed(
        self, function: str, handler: Callable[..., Any], announces_end: bool
    ) -> Callable[..., Any]:
        def timed(event: Any, context: Any) -> Any:
            start = time.time()
            try:
                return handler(event, context)
            finally:
                end = time.time()
                with self._lock:
                    self._calls.append(Call(function, start, end))
                    if announces_end:
                        self._ended.add(str(event.get("detail", {}).get("executionArn")))
                        self._end.notify_all()

        return timed

    def wait(
        self, engine: LocalEngine, execution_arn: str, timeout: float = 900.0
    ) -> ExecutionOutcome:
        """Sleep until the engine has handled the execution's end, then return its outcome
        as `LocalEngine.wait` does. Raises WaitTimeout after `timeout` seconds."""
        deadline = time.monotonic() + timeout
        with self._lock:
            while execution_arn not in self._ended:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise WaitTimeout(f"execution {execution_arn} did not end within {timeout} s")
                if not self._end.wait(min(left, FALLBACK_POLL_S)):
                    self._lock.release()
                    try:
                        described = engine.describe(execution_arn)
                    finally:
                        self._lock.acquire()
                    if described is not None and described["status"] != "RUNNING":
                        break
        return engine.wait(execution_arn, timeout=max(1.0, deadline - time.monotonic()))

    def calls(self, start: float = 0.0, end: float = float("inf")) -> list[Call]:
        """The calls that overlap [start, end], clipped to it, oldest first."""
        with self._lock:
            calls = list(self._calls)
        return sorted(
            (
                Call(c.function, max(c.start, start), min(c.end, end))
                for c in calls
                if c.end > start and c.start < end
            ),
            key=lambda c: c.start,
        )

    def clear(self) -> None:
        """Forget the calls recorded so far."""
        with self._lock:
            self._calls.clear()
            self._ended.clear()


def busy_seconds(calls: list[Call]) -> float:
    """Seconds during which at least one of `calls` ran (overlapping calls counted once)."""
    total = 0.0
    open_start = open_end = None
    for call in sorted(calls, key=lambda c: c.start):
        if open_end is None or call.start > open_end:
            if open_start is not None and open_end is not None:
                total += open_end - open_start
            open_start, open_end = call.start, call.end
        else:
            open_end = max(open_end, call.end)
    if open_start is not None and open_end is not None:
        total += open_end - open_start
    return total


def summed_seconds(calls: list[Call]) -> float:
    """The calls' durations added up (overlapping calls each counted)."""
    return sum(call.end - call.start for call in calls)
