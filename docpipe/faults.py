"""Injected faults for the offline engine: task crashes and timeouts at given rates, and
service-integration states (DynamoDB, SQS, SNS) that fail with a given AWS error.

For tests and benchmarks of what the pipeline does when a Lambda dies under it. Read from
the environment when the engine starts (README: Fault injection):

- `DOCPIPE_FAULT_CRASH_RATE`: probability that a task invocation crashes (the runtime
  exits: Step Functions sees `Lambda.Unknown`, as it does on AWS);
- `DOCPIPE_FAULT_TIMEOUT_RATE`: probability that an invocation runs past its function's
  timeout (it waits the timeout on the engine's scaled clock, then `Lambda.Unknown`);
- `DOCPIPE_FAULT_TASKS`: which functions, by package (`extract_text,summarize_text`);
  all of the state machine's tasks when unset;
- `DOCPIPE_FAULT_MATCH`: only invocations whose event contains this text (a file name:
  the one document that hangs or crashes while the others go through);
- `DOCPIPE_FAULT_SEED`: seed of the draws, for runs that repeat.
"""

from __future__ import annotations

import enum
import os
import random
import threading
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

from tasks.catalog import TASK_FUNCTIONS

# What Step Functions reports when Lambda returns no error type of the function's own:
# a crashed runtime, an out-of-memory kill or a function timeout (shared/notes).
UNKNOWN_ERROR = "Lambda.Unknown"


class Fault(enum.Enum):
    """What happens to one invocation."""

    CRASH = "crash"
    TIMEOUT = "timeout"


class FaultConfigError(ValueError):
    """A fault-injection variable is malformed."""


def _rate(env: Mapping[str, str], name: str) -> float:
    raw = env.get(name, "") or "0"
    try:
        value = float(raw)
    except ValueError as exc:
        raise FaultConfigError(f"{name} must be a number between 0 and 1, got {raw!r}") from exc
    if not 0.0 <= value <= 1.0:
        raise FaultConfigError(f"{name} must be between 0 and 1, got {value}")
    return value


@dataclass
class TaskFaults:
    """Rates of injected faults and the tasks they apply to."""

    crash_rate: float = 0.0
    timeout_rate: float = 0.0
    tasks: frozenset[str] = frozenset(task.package for task in TASK_FUNCTIONS)
    seed: int | None = None
    match: str = ""  # only events that contain this text
    _rng: random.Random = field(init=False, repr=False, compare=False)
    _lock: threading.Lock = field(
        init=False, repr=False, compare=False, default_factory=threading.Lock
    )

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> TaskFaults:
        """The faults the environment asks for (none when the variables are unset)."""
        env = os.environ if env is None else env
        names = {t.strip() for t in env.get("DOCPIPE_FAULT_TASKS", "").split(",") if t.strip()}
        known = {task.package for task in TASK_FUNCTIONS}
        if names - known:
            raise FaultConfigError(
                f"DOCPIPE_FAULT_TASKS names unknown tasks {sorted(names - known)}; "
                f"known: {', '.join(sorted(known))}"
            )
        seed_text = env.get("DOCPIPE_FAULT_SEED", "")
        try:
            seed = int(seed_text) if seed_text else None
        except ValueError as exc:
            raise FaultConfigError(f"DOCPIPE_FAULT_SEED must be an integer: {seed_text!r}") from exc
        faults = cls(
            crash_rate=_rate(env, "DOCPIPE_FAULT_CRASH_RATE"),
            timeout_rate=_rate(env, "DOCPIPE_FAULT_TIMEOUT_RATE"),
            tasks=frozenset(names or known),
            seed=seed,
            match=env.get("DOCPIPE_FAULT_MATCH", ""),
        )
        if faults.crash_rate + faults.timeout_rate > 1.0:
            raise FaultConfigError("DOCPIPE_FAULT_CRASH_RATE + DOCPIPE_FAULT_TIMEOUT_RATE > 1")
        return faults

    def draw(self, task: str, event: str = "") -> Fault | None:
        """The fault of one invocation of `task` (by package) with `event`, if any."""
        if task not in self.tasks or not (self.crash_rate or self.timeout_rate):
            return None
        if self.match and self.match not in event:
            return None
        with self._lock:
            roll = self._rng.random()
        if roll < self.crash_rate:
            return Fault.CRASH
        if roll < self.crash_rate + self.timeout_rate:
            return Fault.TIMEOUT
        return None


@dataclass(frozen=True)
class StateFault:
    """The AWS error a service-integration state (DynamoDB, SQS, SNS) gets from its call.

    `error` is the service's error code as its API answers it (`InternalError` for SNS,
    `InternalServerError` for DynamoDB, `InternalError` or `RequestThrottled` for SQS): the
    interpreter names it as Step Functions does (`SNS.InternalErrorException`,
    `DynamoDB.InternalServerErrorException`, `SQS.AmazonSQSException`). The first `times`
    calls of the state in each execution fail (every call when None), or, with `rate`, each
    call fails with that probability (drawn from the seeded ServiceFaults).
    """

    state: str
    error: str
    times: int | None = None
    status: int = 500
    rate: float | None = None


class ServiceFaults:
    """Which service-integration states fail, and how often, per execution.

    From the environment (README: Fault injection): `DOCPIPE_FAULT_STATES`, a `;`-separated
    list of `State Name=ErrorCode` or `State Name=ErrorCode*N` (the first N calls).
    """

    def __init__(self, faults: Sequence[StateFault] = (), seed: int | None = None) -> None:
        self._faults = {fault.state: fault for fault in faults}
        self._calls: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()
        self._rng = random.Random(seed)
        self.injected: list[tuple[str, str, str]] = []  # (execution, state, error) in order

    def __bool__(self) -> bool:
        return bool(self._faults)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ServiceFaults:
        """The faults `DOCPIPE_FAULT_STATES` asks for (none when unset)."""
        env = os.environ if env is None else env
        faults = []
        for entry in filter(None, (e.strip() for e in env.get(STATES_ENV, "").split(";"))):
            state, equals, error = entry.partition("=")
            error, star, count = error.partition("*")
            if not (equals and state.strip() and error.strip()) or (star and not count.isdigit()):
                raise FaultConfigError(
                    f"{STATES_ENV} entries are 'State Name=ErrorCode' or "
                    f"'State Name=ErrorCode*N', got {entry!r}"
                )
            faults.append(StateFault(state.strip(), error.strip(), int(count) if star else None))
        return cls(faults)

    def draw(self, execution: str, state: str) -> StateFault | None:
        """The fault of this call of `state` in `execution`, if it fails."""
        fault = self._faults.get(state)
        if fault is None:
            return None
        with self._lock:
            calls = self._calls.get((execution, state), 0)
            self._calls[execution, state] = calls + 1
            if fault.rate is not None:
                if self._rng.random() >= fault.rate:
                    return None
            elif fault.times is not None and calls >= fault.times:
                return None
            self.injected.append((execution, state, fault.error))
        return fault


STATES_ENV = "DOCPIPE_FAULT_STATES"
