"""A fake Amazon Bedrock Runtime Converse endpoint: real HTTP, Bedrock's wire protocol.

Point botocore at it with `AWS_ENDPOINT_URL_BEDROCK_RUNTIME` and the bedrock provider runs
unchanged: real request serialisation, real response and error parsing. The fake speaks
`POST /model/{modelId}/converse` (REST-JSON, the model id percent-encoded in the path) and
answers errors as Bedrock does: HTTP status, `x-amzn-ErrorType` header, `{"message"}` body.

Behind it sits a simple, deterministic but honest model. It calls the tool the request
forces (`toolConfig.toolChoice`); for a `points` schema (record_summary) it takes the first
sentences of the `[page N]` / `[pages A-B]` sections between <document> and </document>
within the stated character limit and the schema's maxItems and page bounds; for a
`category` enum (record_classification) it picks the enum name whose description (the
"- name: description" lines of the system prompt) shares the most words with the document.
Usage is estimated at about four characters per token; `cachePoint` blocks give cache
writes on first sight of a prefix and cache reads afterwards.

Faults are injected at construction, through methods, or over HTTP (`POST /_fake/faults`):
errors for the next N calls or for every call, invalid tool input for the next N calls, and
a hijackable mode in which the model obeys instructions found inside the document. Every
request is recorded for assertions (`GET /_fake/requests` over HTTP).

Random faults and latency, for bursts and retry tests, are settings of the fake (`FaultRates`):
given to the constructor, to `set_rates()`, in `POST /_fake/faults` as
`{"throttle_rate", "error_rate", "latency_s", "seed"}`, as command-line flags, or read from
the environment by `ConverseFake.from_env()` and the command line:

    DOCPIPE_FAKE_THROTTLE_RATE  share of calls answered ThrottlingException (429) at once
    DOCPIPE_FAKE_ERROR_RATE     share answered InternalServerException (500) or
                                ServiceUnavailableException (503), half each, at once
    DOCPIPE_FAKE_LATENCY_S      seconds a successful call takes before it answers
    DOCPIPE_FAKE_SEED           seed of the fake's own random.Random: runs repeat exactly

Rates are probabilities in [0, 1] whose sum is at most 1 (one draw per call decides); the
deterministic faults win over them. `reset()` keeps these settings and restarts the seeded
sequence. The fake counts the Converse calls it answers, throttled, errored, succeeded, and how
many were being answered at the same time (`stats()`, `GET /_fake/stats`).

    python -m docpipe.converse_fake --port 8765 --throttle 2
    DOCPIPE_FAKE_THROTTLE_RATE=0.2 python -m docpipe.converse_fake --latency 0.5 --seed 7
"""

from __future__ import annotations

import argparse
import hashlib
import json
import math
import os
import random
import re
import signal
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import FrameType, TracebackType
from typing import Any, Literal
from urllib.parse import unquote

ENDPOINT_ENV = "AWS_ENDPOINT_URL_BEDROCK_RUNTIME"
_PROXY_VARIABLES = ("HTTP_PROXY", "http_proxy", "HTTPS_PROXY", "https_proxy", "ALL_PROXY")

# Converse's errors and their HTTP status, from botocore's bedrock-runtime service model.
ERROR_STATUS: dict[str, int] = {
    "ValidationException": 400,
    "ServiceQuotaExceededException": 400,
    "AccessDeniedException": 403,
    "ResourceNotFoundException": 404,
    "ModelTimeoutException": 408,
    "ThrottlingException": 429,
    "ModelNotReadyException": 429,
    "ModelErrorException": 424,
    "InternalServerException": 500,
    "ServiceUnavailableException": 503,
}
_ERROR_MESSAGES = {
    "ThrottlingException": "Too many requests, please wait before trying again.",
    "ServiceUnavailableException": "Bedrock is unable to process your request.",
    "AccessDeniedException": "You don't have access to the model with the specified model ID.",
    "ValidationException": "The provided model identifier is invalid.",
    "ModelTimeoutException": "Model has timed out in processing the request.",
    "ModelErrorException": "The model returned an error.",
    "InternalServerException": "An internal server error occurred. Retry your request.",
}
# Bedrock's error type header carries a namespace suffix that clients strip.
_ERROR_TYPE_SUFFIX = ":http://internal.amazon.com/coral/com.amazon.bedrock/"

THROTTLE_RATE_ENV = "DOCPIPE_FAKE_THROTTLE_RATE"
ERROR_RATE_ENV = "DOCPIPE_FAKE_ERROR_RATE"
LATENCY_ENV = "DOCPIPE_FAKE_LATENCY_S"
SEED_ENV = "DOCPIPE_FAKE_SEED"
# The FaultRates field each variable sets.
RATE_ENV: dict[str, str] = {
    "throttle_rate": THROTTLE_RATE_ENV,
    "error_rate": ERROR_RATE_ENV,
    "latency_s": LATENCY_ENV,
    "seed": SEED_ENV,
}
_RATE_FLAGS = {
    "throttle_rate": "--throttle-rate",
    "error_rate": "--error-rate",
    "latency_s": "--latency",
    "seed": "--seed",
}
# Float sums such as 0.7 + 0.3 may land an ulp above 1.
_RATE_SUM_SLACK = 1e-9

InjectionMode = Literal["off", "always", "until_corrected"]
INJECTION_MODES: tuple[InjectionMode, ...] = ("off", "always", "until_corrected")

CHARS_PER_TOKEN = 4
DEFAULT_MIN_CACHE_TOKENS = 1024
DEFAULT_SUMMARY_CHARS = 1200
_TOOL_CALL_OVERHEAD_TOKENS = 12

_CONVERSE_PATH = re.compile(r"^/model/(?P<model>[^/]+)/converse$")
_TOOL_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
_CONTENT_KINDS = frozenset(
    {
        "text",
        "image",
        "document",
        "video",
        "audio",
        "toolUse",
        "toolResult",
        "guardContent",
        "cachePoint",
        "reasoningContent",
        "citationsContent",
        "searchResult",
    }
)
_SECTION_HEADER = re.compile(r"^\[(?:page (\d+)|pages (\d+)-(\d+))\][ \t]*$", re.MULTILINE)
_CHAR_LIMIT = re.compile(r"at most (\d+) characters")
_SENTENCE_BREAK = re.compile(r"(?:(?<=[.!?])|(?<=[.!?][\"')\]]))\s+(?=[\"'(\[]?[A-Z0-9])")
_DESCRIPTION_LINE = re.compile(r"^- ([^:\n]+): (.+)$", re.MULTILINE)
_WORD = re.compile(r"[^\W\d_]{3,}")
_INJECTED_CATEGORY = re.compile(
    r"\bcategory\s*(?::|=|\bis\b)\s*[\"']?([A-Za-z][\w-]*)", re.IGNORECASE
)
_FALLBACK_HINT = "none of the categories"
_STOPWORD_LIST = (
    "the and for with that this from are was were you your our their his her its has have had "
    "not but all any can will shall may must been being into onto over under than then them "
    "they there these those which who whom what when where why how per via such each other "
    "more most some only own same very also just about after before between both during "
    "document documents text"
)
_STOPWORDS = frozenset(_STOPWORD_LIST.split())
_MAX_INJECTION_SCAN = 200
_HEADING_MAX_WORDS = 6
# Converse usage fields and the names the pipeline records them under.
_USAGE_FIELDS = {
    "inputTokens": "input_tokens",
    "outputTokens": "output_tokens",
    "calls": "calls",
    "cacheReadInputTokens": "cache_read_input_tokens",
    "cacheWriteInputTokens": "cache_write_input_tokens",
}


class FakeError(Exception):
    """An error the fake answers with: a Bedrock error type and its message."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(message)
        self.error_type = error_type
        self.message = message


@dataclass
class RecordedRequest:
    """One HTTP request the fake received and what it answered."""

    method: str
    path: str
    model_id: str | None
    headers: dict[str, str]
    body: Any
    status: int = 0
    response: dict[str, Any] = field(default_factory=dict)
    error_type: str | None = None
    tool: str | None = None
    # When the request was read and when its answer was ready (epoch seconds, comparable
    # with an execution's history across processes).
    received: float = 0.0
    answered: float = 0.0

    @property
    def user_texts(self) -> list[str]:
        """The text blocks of the request's user messages, in order."""
        return [
            block["text"]
            for message in _messages(self.body)
            if message.get("role") == "user"
            for block in message.get("content", [])
            if isinstance(block, dict) and isinstance(block.get("text"), str)
        ]


@dataclass(frozen=True)
class FaultRates:
    """Random faults and latency. Each Converse call that reaches the faults draws once from
    the fake's random.Random(seed): below `throttle_rate` it is throttled, in the next
    `error_rate` it gets a 5xx; a successful call waits `latency_s` seconds before answering."""

    throttle_rate: float = 0.0
    error_rate: float = 0.0
    latency_s: float = 0.0
    seed: int | None = None

    def checked(self, names: Mapping[str, str] | None = None) -> FaultRates:
        """These settings, or a ValueError naming the bad one as `names` calls it (an
        environment variable, a flag); by default by its field name."""

        def name(field_name: str) -> str:
            return (names or {}).get(field_name, field_name)

        for field_name in ("throttle_rate", "error_rate"):
            value = getattr(self, field_name)
            if not 0.0 <= value <= 1.0:  # NaN fails this too
                raise ValueError(
                    f"{name(field_name)} must be a probability between 0 and 1; got {value!r}"
                )
        if self.throttle_rate + self.error_rate > 1.0 + _RATE_SUM_SLACK:
            raise ValueError(
                f"{name('throttle_rate')} + {name('error_rate')} must not exceed 1 (one draw "
                f"decides both); got {self.throttle_rate!r} + {self.error_rate!r}"
            )
        if not (math.isfinite(self.latency_s) and self.latency_s >= 0):
            raise ValueError(
                f"{name('latency_s')} must be a number of seconds >= 0; got {self.latency_s!r}"
            )
        return self

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> FaultRates:
        """The settings of the DOCPIPE_FAKE_* variables in `environ` (default os.environ);
        unset or empty ones keep the defaults. ValueError names a bad variable."""
        env = os.environ if environ is None else environ
        values: dict[str, Any] = {}
        for field_name, variable in RATE_ENV.items():
            raw = env.get(variable, "").strip()
            if not raw:
                continue
            try:
                values[field_name] = int(raw) if field_name == "seed" else float(raw)
            except ValueError:
                kind = "an integer" if field_name == "seed" else "a number"
                raise ValueError(f"{variable} must be {kind}; got {raw!r}") from None
        return cls(**values).checked(RATE_ENV)


@dataclass
class CallStats:
    """Converse calls since start or reset(). A call counts in `calls` when it arrives and in
    one of successes, throttled (ThrottlingException, injected or random) or errors (any other
    error answer) when answered: calls == successes + throttled + errors + in_flight."""

    calls: int = 0
    successes: int = 0
    throttled: int = 0
    errors: int = 0
    in_flight: int = 0
    max_in_flight: int = 0


@dataclass
class _Fault:
    kind: Literal["error", "invalid"]
    error_type: str
    remaining: int | None  # None: every matching call
    tool: str | None
    message: str | None = None  # the error's message; Bedrock's usual one when None

    def matches(self, tool: str | None) -> bool:
        return (self.remaining is None or self.remaining > 0) and self.tool in (None, tool)


class ConverseFake:
    """The fake Converse endpoint on a background thread; a context manager.

    `throttle` fails the first N Converse calls with ThrottlingException. `obey_injection`
    makes the model follow instructions inside the document: "always", or
    "until_corrected" (only until a repair turn tells it the answer was invalid).
    `model_ids`, when given, are the only model ids accepted (others: ValidationException).
    `throttle_rate`, `error_rate`, `latency_s` and `seed` are the random faults and latency
    (see FaultRates); `sleep` is how a call waits out the latency (tests pass a fake).
    """

    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        throttle: int = 0,
        obey_injection: InjectionMode = "off",
        model_ids: Iterable[str] | None = None,
        min_cache_tokens: int = DEFAULT_MIN_CACHE_TOKENS,
        verbose: bool = False,
        throttle_rate: float = 0.0,
        error_rate: float = 0.0,
        latency_s: float = 0.0,
        seed: int | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.host = host
        self.port = port
        self.min_cache_tokens = min_cache_tokens
        self.verbose = verbose
        self.model_ids = frozenset(model_ids) if model_ids is not None else None
        self._lock = threading.Lock()
        self._faults: list[_Fault] = []
        self._requests: list[RecordedRequest] = []
        self._cached_prefixes: set[str] = set()
        self._obey: InjectionMode = "off"
        self.obey_injection = obey_injection
        self._rates = FaultRates(throttle_rate, error_rate, latency_s, seed).checked()
        self._random = random.Random(seed)
        self._stats = CallStats()
        self._sleep = sleep
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        if throttle:
            self.fail_next(throttle)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None, **options: Any) -> ConverseFake:
        """A fake with the rates, latency and seed of the DOCPIPE_FAKE_* variables in `environ`
        (default os.environ); `options` are other constructor arguments and win over them.
        ValueError names a bad variable."""
        return cls(**{**asdict(FaultRates.from_env(environ)), **options})

    # -- life cycle ------------------------------------------------------------------------

    def start(self) -> ConverseFake:
        """Listen and serve on a daemon thread; `port=0` picks a free port."""
        if self._server is not None:
            return self
        server = _Server((self.host, self.port), _Handler)
        server.fake = self
        self.port = server.server_address[1]
        self._server = server
        # A short poll interval: stop() waits for the loop to notice the shutdown.
        self._thread = threading.Thread(
            target=server.serve_forever, args=(0.02,), name="converse-fake", daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and close the socket."""
        if self._server is None:
            return
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> ConverseFake:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def endpoint(self) -> str:
        """The URL to put in AWS_ENDPOINT_URL_BEDROCK_RUNTIME."""
        if self._server is None:
            raise RuntimeError("the Converse fake is not running: use start() or `with`")
        return f"http://{self.host}:{self.port}"

    def env(self) -> dict[str, str]:
        """The environment that points bedrock-runtime clients here (and past any proxy)."""
        env = {ENDPOINT_ENV: self.endpoint}
        if any(os.environ.get(name) for name in _PROXY_VARIABLES):
            for name in ("NO_PROXY", "no_proxy"):
                bypass = [h for h in os.environ.get(name, "").split(",") if h]
                env[name] = ",".join([*bypass, self.host])
        return env

    # -- faults ----------------------------------------------------------------------------

    def fail_next(
        self,
        count: int,
        error_type: str = "ThrottlingException",
        *,
        tool: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next `count` Converse calls (forcing `tool`, if given) with an error
        (with `message`, or Bedrock's usual one for its type)."""
        self._add_fault(_Fault("error", _known_error(error_type), count, tool, message))

    def fail_always(
        self,
        error_type: str = "ThrottlingException",
        *,
        tool: str | None = None,
        message: str | None = None,
    ) -> None:
        """Answer every Converse call (forcing `tool`, if given) with an error."""
        self._add_fault(_Fault("error", _known_error(error_type), None, tool, message))

    def invalid_next(self, count: int, *, tool: str | None = None) -> None:
        """Answer the next `count` calls with tool input that breaks the tool's schema."""
        self._add_fault(_Fault("invalid", "", count, tool))

    @property
    def obey_injection(self) -> InjectionMode:
        """Whether the model obeys instructions found in the document (see the class)."""
        return self._obey

    @obey_injection.setter
    def obey_injection(self, mode: InjectionMode) -> None:
        if mode not in INJECTION_MODES:
            raise ValueError(f"obey_injection must be one of {INJECTION_MODES}; got {mode!r}")
        self._obey = mode

    def clear_faults(self) -> None:
        """Forget every injected fault and stop obeying injections."""
        with self._lock:
            self._faults.clear()
            self._obey = "off"

    @property
    def rates(self) -> FaultRates:
        """The random faults and latency in force."""
        with self._lock:
            return self._rates

    def set_rates(
        self,
        *,
        throttle_rate: float | None = None,
        error_rate: float | None = None,
        latency_s: float | None = None,
        seed: int | None = None,
    ) -> FaultRates:
        """Change the random faults and latency (None keeps a setting) and return them all; a
        seed restarts the random sequence. ValueError leaves every setting as it was."""
        with self._lock:
            now = self._rates
            self._rates = FaultRates(
                now.throttle_rate if throttle_rate is None else throttle_rate,
                now.error_rate if error_rate is None else error_rate,
                now.latency_s if latency_s is None else latency_s,
                now.seed if seed is None else seed,
            ).checked()
            if seed is not None:
                self._random.seed(seed)
            return self._rates

    def stats(self) -> CallStats:
        """A copy of the call counts since start or reset()."""
        with self._lock:
            return replace(self._stats)

    def reset(self) -> None:
        """Forget faults, recorded requests, the prompt cache and the call counts; restart the
        seeded random sequence. Rates, latency and seed stay (they are settings, like
        model_ids): a benchmark resets between runs and each run draws the same faults."""
        self.clear_faults()
        with self._lock:
            self._requests.clear()
            self._cached_prefixes.clear()
            # Calls still being answered finish into the new counts: keep them counted.
            busy = self._stats.in_flight
            self._stats = CallStats(calls=busy, in_flight=busy, max_in_flight=busy)
            self._random.seed(self._rates.seed)

    def _add_fault(self, fault: _Fault) -> None:
        if fault.remaining is not None and fault.remaining < 0:
            raise ValueError("a fault count must not be negative")
        with self._lock:
            self._faults.append(fault)

    def _take_fault(self, kind: str, tool: str | None) -> _Fault | None:
        with self._lock:
            for fault in self._faults:
                if fault.kind == kind and fault.matches(tool):
                    if fault.remaining is not None:
                        fault.remaining -= 1
                    return fault
        return None

    # -- records ---------------------------------------------------------------------------

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received (Converse and control), oldest first."""
        with self._lock:
            return list(self._requests)

    def converse_calls(self, tool: str | None = None) -> list[RecordedRequest]:
        """The Converse calls received, optionally only those forcing `tool`."""
        return [
            r for r in self.requests if r.model_id is not None and (tool is None or r.tool == tool)
        ]

    def reported_usage(self) -> dict[str, int]:
        """Token usage summed over the successful Converse answers, as the pipeline records
        it: input_tokens, output_tokens, calls, cache_read_input_tokens and
        cache_write_input_tokens."""
        total = dict.fromkeys(_USAGE_FIELDS.values(), 0)
        for call in self.converse_calls():
            usage = call.response.get("usage")
            if call.status == HTTPStatus.OK and isinstance(usage, dict):
                for wire, name in _USAGE_FIELDS.items():
                    total[name] += int(usage.get(wire, 0))
                total["calls"] += 1
        return total

    def _record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    # -- Converse --------------------------------------------------------------------------

    def converse(self, model_id: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        """Answer one Converse request body, or raise FakeError; faults, rates and latency
        apply here, and the call counts in stats() (in flight while it is answered)."""
        with self._lock:
            stats = self._stats
            stats.calls += 1
            stats.in_flight += 1
            stats.max_in_flight = max(stats.max_in_flight, stats.in_flight)
        succeeded = False
        error_type: str | None = None
        try:
            response = self._answer_call(model_id, body, headers)
            succeeded = True
            return response
        except FakeError as error:
            error_type = error.error_type
            raise
        finally:
            with self._lock:
                stats = self._stats
                stats.in_flight -= 1
                if succeeded:
                    stats.successes += 1
                elif error_type == "ThrottlingException":
                    stats.throttled += 1
                else:
                    stats.errors += 1

    def _answer_call(self, model_id: str, body: Any, headers: dict[str, str]) -> dict[str, Any]:
        started = time.monotonic()
        if not _signed(headers):
            raise FakeError("AccessDeniedException", "Missing Authentication Token")
        if self.model_ids is not None and model_id not in self.model_ids:
            raise FakeError("ValidationException", "The provided model identifier is invalid.")
        if not isinstance(body, dict):
            raise _invalid("The request body is not valid JSON.")
        try:
            check_request(body)
        except (TypeError, ValueError, KeyError, AttributeError) as error:
            # Members of the wrong type: Bedrock refuses those as validation errors too.
            raise _invalid(f"The request is malformed: {error!r}") from error
        tool = forced_tool(body)
        fault = self._take_fault("error", tool)
        # Drawn even when a deterministic fault wins: one draw per call keeps the seeded
        # sequence aligned with the calls, so an injected fault does not shift later ones.
        random_error, latency_s = self._draw()
        if fault is not None:
            said = fault.message or _ERROR_MESSAGES.get(fault.error_type, fault.error_type)
            raise FakeError(fault.error_type, said)
        if random_error is not None:
            raise FakeError(random_error, _ERROR_MESSAGES.get(random_error, random_error))
        # Taken only by calls that are answered: a throttled call does not use it up.
        invalid = self._take_fault("invalid", tool) is not None
        obey = self._obey == "always" or (self._obey == "until_corrected" and not _corrected(body))
        message, stop_reason, output_tokens = answer(body, invalid=invalid, obey_injection=obey)
        usage = self._usage(body, output_tokens)
        if latency_s:
            # No lock held and the call still counted in flight: slow calls overlap as they
            # would on Bedrock, which is what a burst benchmark measures.
            self._sleep(latency_s)
        elapsed_ms = int((time.monotonic() - started) * 1000)
        return {
            "output": {"message": message},
            "stopReason": stop_reason,
            "usage": usage,
            # A model takes time per generated token; the fake says so without sleeping
            # beyond the time really spent, latency_s included.
            "metrics": {"latencyMs": 100 + 10 * output_tokens + elapsed_ms},
        }

    def _draw(self) -> tuple[str | None, float]:
        """This call's random error type, if any, and how long an answer waits."""
        with self._lock:
            rates = self._rates
            chance = self._random.random()
        if chance < rates.throttle_rate:
            return "ThrottlingException", rates.latency_s
        if chance < rates.throttle_rate + rates.error_rate / 2:
            return "InternalServerException", rates.latency_s
        if chance < rates.throttle_rate + rates.error_rate:
            return "ServiceUnavailableException", rates.latency_s
        return None, rates.latency_s

    def _usage(self, body: dict[str, Any], output_tokens: int) -> dict[str, int]:
        pieces = _prompt_pieces(body)
        total = estimate_tokens("".join(p for p in pieces if p is not None))
        prefixes: list[tuple[str, int]] = []
        for index, piece in enumerate(pieces):
            if piece is None:  # a cachePoint: everything before it may be cached
                text = "".join(p for p in pieces[:index] if p is not None)
                tokens = estimate_tokens(text)
                if tokens >= self.min_cache_tokens:
                    prefixes.append((hashlib.sha256(text.encode()).hexdigest(), tokens))
        read = write = 0
        with self._lock:
            hits = [tokens for key, tokens in prefixes if key in self._cached_prefixes]
            read = max(hits, default=0)
            if prefixes:
                write = max(tokens for _, tokens in prefixes) - read
                self._cached_prefixes.update(key for key, _ in prefixes)
        usage = {
            "inputTokens": total - read - write,
            "outputTokens": output_tokens,
            "totalTokens": total + output_tokens,
        }
        if None in pieces:  # a request with a cachePoint hears about the cache, hit or not
            usage["cacheReadInputTokens"] = read
            usage["cacheWriteInputTokens"] = write
        return usage


# -- request checks ------------------------------------------------------------------------


def check_request(body: Any) -> None:
    """Raise FakeError(ValidationException) where Bedrock would refuse the request."""
    if not isinstance(body, dict):
        raise _invalid("The request body must be a JSON object.")
    messages = body.get("messages")
    if not isinstance(messages, list) or not messages:
        raise _invalid("A conversation must start with a user message.")
    for index, block in enumerate(body.get("system") or []):
        if not isinstance(block, dict) or len(block) != 1:
            raise _invalid(f"system.{index} must have exactly one member.")
        if "text" in block and not str(block["text"]).strip():
            raise _invalid(f"system.{index}.text must not be blank.")
    previous_uses: list[str] = []
    has_tool_blocks = False
    for index, message in enumerate(messages):
        role = message.get("role") if isinstance(message, dict) else None
        expected = "user" if index % 2 == 0 else "assistant"
        if role != expected:
            raise _invalid(
                "A conversation must alternate between user and assistant roles, "
                f"starting with user; messages.{index} has role {role!r}."
            )
        content = message.get("content")
        if not isinstance(content, list) or not content:
            raise _invalid(f"messages.{index}.content must not be empty.")
        uses: list[str] = []
        results: list[str] = []
        for block_index, block in enumerate(content):
            where = f"messages.{index}.content.{block_index}"
            if not isinstance(block, dict) or len(block) != 1 or not set(block) <= _CONTENT_KINDS:
                raise _invalid(f"{where} must have exactly one known member.")
            if "toolUse" in block:
                has_tool_blocks = True
                if role != "assistant":
                    raise _invalid(f"{where}: toolUse blocks belong to assistant messages.")
                uses.append(str(block["toolUse"].get("toolUseId")))
            if "toolResult" in block:
                has_tool_blocks = True
                if role != "user":
                    raise _invalid(f"{where}: toolResult blocks belong to user messages.")
                results.append(str(block["toolResult"].get("toolUseId")))
            if "text" in block and not isinstance(block["text"], str):
                raise _invalid(f"{where}.text must be a string.")
        if role == "user" and sorted(results) != sorted(previous_uses):
            if previous_uses:
                raise _invalid(
                    f"Expected toolResult blocks at messages.{index}.content for the "
                    f"following Ids: {', '.join(previous_uses)}"
                )
            raise _invalid(
                f"The number of toolResult blocks at messages.{index}.content exceeds the "
                "number of toolUse blocks of previous turn."
            )
        previous_uses = uses if role == "assistant" else []
    if messages[-1].get("role") != "user":
        raise _invalid("A conversation must end with a user message.")
    _check_inference(body.get("inferenceConfig"))
    config = body.get("toolConfig")
    if config is None:
        if has_tool_blocks:
            raise _invalid(
                "The toolConfig field must be defined when using toolUse and toolResult "
                "content blocks."
            )
        return
    _check_tools(config)


def _check_inference(config: Any) -> None:
    if config is None:
        return
    if not isinstance(config, dict):
        raise _invalid("inferenceConfig must be an object.")
    if "maxTokens" in config and int(config["maxTokens"]) < 1:
        raise _invalid("inferenceConfig.maxTokens must be at least 1.")
    for name in ("temperature", "topP"):
        if name in config and not 0 <= float(config[name]) <= 1:
            raise _invalid(f"inferenceConfig.{name} must be between 0 and 1.")


def _check_tools(config: Any) -> None:
    tools = config.get("tools") if isinstance(config, dict) else None
    if not isinstance(tools, list) or not tools:
        raise _invalid("toolConfig.tools must contain at least one tool.")
    names: list[str] = []
    for index, tool in enumerate(tools):
        if isinstance(tool, dict) and set(tool) == {"cachePoint"}:
            continue
        spec = tool.get("toolSpec") if isinstance(tool, dict) else None
        if not isinstance(spec, dict) or not _TOOL_NAME.match(str(spec.get("name", ""))):
            raise _invalid(f"toolConfig.tools.{index}.toolSpec.name is invalid.")
        schema = (spec.get("inputSchema") or {}).get("json")
        if not isinstance(schema, dict) or schema.get("type") != "object":
            raise _invalid(
                f"toolConfig.tools.{index}: the top level of the input schema must be an object."
            )
        names.append(str(spec["name"]))
    choice = config.get("toolChoice")
    if isinstance(choice, dict) and "tool" in choice:
        name = str((choice["tool"] or {}).get("name"))
        if name not in names:
            raise _invalid(f"The tool choice '{name}' doesn't match any of the defined tools.")


def _invalid(message: str) -> FakeError:
    return FakeError("ValidationException", message)


# -- the model -----------------------------------------------------------------------------


def forced_tool(body: dict[str, Any]) -> str | None:
    """The tool the model calls: the forced one, else (any/auto) the first defined."""
    config = body.get("toolConfig")
    if not isinstance(config, dict):
        return None
    choice = config.get("toolChoice") or {}
    if isinstance(choice, dict) and isinstance(choice.get("tool"), dict):
        return str(choice["tool"].get("name"))
    specs = _tool_specs(body)
    return next(iter(specs), None)


def answer(
    body: dict[str, Any], *, invalid: bool = False, obey_injection: bool = False
) -> tuple[dict[str, Any], str, int]:
    """(assistant message, stop reason, output tokens) for a checked Converse request."""
    tool = forced_tool(body)
    document = _document(body)
    if tool is None:
        text = " ".join(_sentences(document)[:3]) or "I have nothing to summarize."
        tokens = estimate_tokens(text)
        return {"role": "assistant", "content": [{"text": text}]}, "end_turn", tokens
    schema = _tool_specs(body)[tool]
    name, tool_input = tool, _tool_input(body, schema, document)
    if obey_injection:
        name, tool_input = _hijacked(tool, schema, document, (name, tool_input))
    if invalid:
        tool_input = _broken(schema, tool_input)
    tokens = estimate_tokens(json.dumps(tool_input)) + _TOOL_CALL_OVERHEAD_TOKENS
    limit = (body.get("inferenceConfig") or {}).get("maxTokens")
    stop_reason = "tool_use"
    if isinstance(limit, int) and tokens > limit:
        # Cut off mid-call: the arguments never closed, so nothing usable arrives.
        tokens, tool_input, stop_reason = limit, {}, "max_tokens"
    use = {"toolUseId": f"tooluse_{uuid.uuid4().hex[:22]}", "name": name, "input": tool_input}
    return {"role": "assistant", "content": [{"toolUse": use}]}, stop_reason, tokens


def _tool_input(body: dict[str, Any], schema: dict[str, Any], document: str) -> Any:
    properties = schema.get("properties") or {}
    if (properties.get("points") or {}).get("type") == "array":
        return summarize(document, schema, _char_limit(body))
    if isinstance((properties.get("category") or {}).get("enum"), list):
        return classify(document, schema, _system_text(body))
    return _minimal(schema)


def summarize(document: str, schema: dict[str, Any], max_chars: int) -> dict[str, Any]:
    """record_summary input: first sentences of the sections, in order, within the limits."""
    items = (schema.get("properties") or {}).get("points") or {}
    max_items = int(items.get("maxItems", 12))
    page = ((items.get("items") or {}).get("properties") or {}).get("page_start") or {}
    sections = _sections(document)
    low = int(page.get("minimum", min((s[0] for s in sections), default=1)))
    high = int(page.get("maximum", max((s[1] for s in sections), default=low)))
    sentences = [_sentences(text) for _, _, text in sections]
    chosen: list[tuple[int, int]] = []  # (section, sentence) in the order they were taken
    used = 0
    # Sections in an order that spreads the points over the document when not all fit:
    # the first, then midpoints of what is left.
    order = _spread(len(sentences))
    for rank in range(max((len(s) for s in sentences), default=0)):
        for index in order:
            candidates = sentences[index]
            if rank >= len(candidates) or len(chosen) >= max_items:
                continue
            cost = len(candidates[rank]) + (1 if chosen else 0)
            if used + cost <= max_chars:
                chosen.append((index, rank))
                used += cost
    if not chosen and sentences and any(sentences):
        index = next(i for i, s in enumerate(sentences) if s)
        sentences[index][0] = _shorten(sentences[index][0], max_chars)
        chosen.append((index, 0))
    points = []
    for index, rank in sorted(chosen):
        start, end, _ = sections[index]
        first = min(max(start, low), high)
        points.append(
            {
                "text": sentences[index][rank],
                "page_start": first,
                "page_end": min(max(end, first), high),
            }
        )
    return {"points": points}


def classify(document: str, schema: dict[str, Any], system: str) -> dict[str, Any]:
    """record_classification input: the enum name whose description best matches."""
    names = [str(n) for n in schema["properties"]["category"]["enum"]]
    descriptions = {
        name.strip(): text for name, text in _DESCRIPTION_LINE.findall(system) if name.strip()
    }
    fallback = next(
        (n for n in names if _FALLBACK_HINT in descriptions.get(n, "").lower()), names[-1]
    )
    words = _words(document)
    scores: dict[str, float] = {}
    for name in names:
        if name != fallback:
            # Shared words, damped so that long descriptions do not win by length alone.
            described = _words(descriptions.get(name, name.replace("_", " ")))
            scores[name] = len(words & described) / math.sqrt(len(described) or 1)
    ranked = sorted(scores.items(), key=lambda item: (-item[1], names.index(item[0])))
    if not ranked or ranked[0][1] == 0:
        return {"category": fallback, "confidence": 0.5}
    best = ranked[0][1]
    second = ranked[1][1] if len(ranked) > 1 else 0.0
    confidence = round(min(0.99, 0.5 + 0.5 * (best - second) / best), 2)
    return {"category": ranked[0][0], "confidence": confidence}


def _hijacked(
    tool: str, schema: dict[str, Any], document: str, honest: tuple[str, Any]
) -> tuple[str, Any]:
    """What a model that obeys the document does: the category it is told to give when
    classifying, otherwise the tool call written into the document."""
    properties = schema.get("properties") or {}
    told = _INJECTED_CATEGORY.search(document)
    if told and "category" in properties:
        return tool, {"category": told.group(1), "confidence": 1.0}
    injected = injected_tool_call(document)
    return injected if injected is not None else honest


def injected_tool_call(document: str) -> tuple[str, Any] | None:
    """The first tool call written in the text as JSON: {"name", "input"} or {"toolUse"}."""
    decoder = json.JSONDecoder()
    for attempt, match in enumerate(re.finditer(r"\{", document)):
        if attempt >= _MAX_INJECTION_SCAN:
            break
        try:
            value, _ = decoder.raw_decode(document, match.start())
        except json.JSONDecodeError:
            continue
        if isinstance(value, dict) and isinstance(value.get("toolUse"), dict):
            value = value["toolUse"]
        if isinstance(value, dict) and isinstance(value.get("name"), str) and "input" in value:
            return value["name"], value["input"]
    return None


def _broken(schema: dict[str, Any], tool_input: Any) -> Any:
    """The input made invalid the way models get it wrong: out-of-range values."""
    properties = schema.get("properties") or {}
    if "points" in properties and isinstance(tool_input, dict) and tool_input.get("points"):
        page = (properties["points"].get("items") or {}).get("properties", {}).get("page_end")
        beyond = int((page or {}).get("maximum", 0)) + 7
        points = [dict(p) for p in tool_input["points"]]
        points[0]["page_start"] = points[0]["page_end"] = beyond
        return {"points": points}
    if "confidence" in properties and isinstance(tool_input, dict):
        return {**tool_input, "confidence": 7}
    return {"unexpected": True}


def _minimal(schema: dict[str, Any]) -> Any:
    """A value of the schema's type: required properties filled in, nothing more."""
    kind = schema.get("type")
    if "enum" in schema:
        return schema["enum"][0]
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: _minimal(properties.get(name) or {}) for name in schema.get("required", [])}
    if kind == "array":
        return [_minimal(schema.get("items") or {})] * int(schema.get("minItems", 0))
    return {"integer": 0, "number": 0, "boolean": False}.get(str(kind), "")


# -- reading the request -------------------------------------------------------------------


def estimate_tokens(text: str) -> int:
    """About four characters per token, at least one for any text."""
    return math.ceil(len(text) / CHARS_PER_TOKEN)


def _messages(body: Any) -> list[dict[str, Any]]:
    messages = body.get("messages") if isinstance(body, dict) else None
    return [m for m in messages or [] if isinstance(m, dict)]


def _tool_specs(body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    config = body.get("toolConfig")
    tools = config.get("tools") if isinstance(config, dict) else None
    specs: dict[str, dict[str, Any]] = {}
    for tool in tools if isinstance(tools, list) else []:
        spec = tool.get("toolSpec") if isinstance(tool, dict) else None
        if isinstance(spec, dict) and "name" in spec:
            schema = (spec.get("inputSchema") or {}).get("json")
            specs[str(spec["name"])] = schema if isinstance(schema, dict) else {}
    return specs


def _system_text(body: dict[str, Any]) -> str:
    return "\n".join(
        str(b["text"]) for b in body.get("system") or [] if isinstance(b, dict) and "text" in b
    )


def _request_text(body: dict[str, Any]) -> str:
    """The user text that carries the document: the latest one with a <document> tag."""
    texts = RecordedRequest("", "", None, {}, body).user_texts
    return next((t for t in reversed(texts) if "<document>" in t), texts[-1] if texts else "")


def _document(body: dict[str, Any]) -> str:
    text = _request_text(body)
    start, end = text.find("<document>"), text.rfind("</document>")
    if start < 0 or end < start:
        return text
    return text[start + len("<document>") : end].strip()


def _char_limit(body: dict[str, Any]) -> int:
    text = _request_text(body)
    instructions = text[: text.find("<document>")] if "<document>" in text else text
    found = _CHAR_LIMIT.search(instructions)
    return int(found.group(1)) if found else DEFAULT_SUMMARY_CHARS


def _corrected(body: dict[str, Any]) -> bool:
    """Whether the conversation already holds a correction (a repair turn)."""
    return len(_messages(body)) > 1


def _sections(document: str) -> list[tuple[int, int, str]]:
    headers = list(_SECTION_HEADER.finditer(document))
    if not headers:
        return [(1, 1, document)] if document.strip() else []
    sections = []
    for index, header in enumerate(headers):
        end = headers[index + 1].start() if index + 1 < len(headers) else len(document)
        if header.group(1):
            first = last = int(header.group(1))
        else:
            first, last = int(header.group(2)), int(header.group(3))
        sections.append((first, last, document[header.end() : end]))
    return sections


def _spread(count: int) -> list[int]:
    """0, then the midpoints of the remaining ranges, breadth first (ten: 0, 5, 3, 8, ...)."""
    order = [0] if count else []
    ranges = [(1, count)]
    while ranges:
        low, high = ranges.pop(0)
        if low < high:
            middle = (low + high) // 2
            order.append(middle)
            ranges += [(low, middle), (middle + 1, high)]
    return order


def _sentences(text: str) -> list[str]:
    """Sentences of `text`, headings (short unpunctuated lines before more text) left out."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    kept = [
        line
        for index, line in enumerate(lines)
        if index == len(lines) - 1
        or len(line.split()) > _HEADING_MAX_WORDS
        or line.endswith((".", "!", "?", ":", ";", ","))
    ]
    flat = " ".join(" ".join(kept).split())
    return [s for s in _SENTENCE_BREAK.split(flat) if s]


def _shorten(sentence: str, max_chars: int) -> str:
    if len(sentence) <= max_chars:
        return sentence
    cut = sentence[:max_chars].rsplit(" ", 1)[0]
    return cut or sentence[:max_chars]


def _words(text: str) -> set[str]:
    words = set()
    for word in _WORD.findall(text.lower()):
        if word in _STOPWORDS:
            continue
        words.add(word[:-1] if len(word) > 4 and word.endswith("s") else word)
    return words


def _prompt_pieces(body: dict[str, Any]) -> list[str | None]:
    """The prompt in the order a model reads it (tools, system, messages); None marks a
    cachePoint."""
    pieces: list[str | None] = []
    for tool in (body.get("toolConfig") or {}).get("tools") or []:
        pieces.append(None if "cachePoint" in tool else json.dumps(tool, sort_keys=True))
    for block in body.get("system") or []:
        pieces.append(None if "cachePoint" in block else str(block.get("text", "")))
    for message in _messages(body):
        for block in message.get("content", []):
            if "cachePoint" in block:
                pieces.append(None)
            elif isinstance(block.get("text"), str):
                pieces.append(block["text"])
            else:
                pieces.append(json.dumps(block, sort_keys=True))
    return pieces


def _signed(headers: dict[str, str]) -> bool:
    authorization = headers.get("authorization", "")
    return authorization.startswith(("AWS4-HMAC-SHA256 ", "Bearer "))


def _known_error(error_type: str) -> str:
    if error_type not in ERROR_STATUS:
        raise ValueError(f"unknown Bedrock error {error_type!r}; one of {sorted(ERROR_STATUS)}")
    return error_type


# -- HTTP ------------------------------------------------------------------------------------


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default listen backlog of 5 drops connections in a burst of calls.
    request_queue_size = 128
    fake: ConverseFake


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        self._handle()

    def do_GET(self) -> None:
        self._handle()

    def do_DELETE(self) -> None:
        self._handle()

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.fake.verbose:
            sys.stderr.write(f"converse-fake: {format % args}\n")

    def _handle(self) -> None:
        fake = self.server.fake
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        path = self.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in self.headers.items()}
        try:
            body: Any = json.loads(raw) if raw else {}
        except json.JSONDecodeError:
            body = raw.decode("utf-8", "replace")
        match = _CONVERSE_PATH.match(path)
        model_id = unquote(match.group("model")) if match else None
        record = RecordedRequest(self.command, path, model_id, headers, body, received=time.time())
        if path.startswith("/_fake/"):
            status, payload = _control(fake, self.command, path, body)
            self._send(record, status, payload)
        elif match is None or self.command != "POST":
            self._send(
                record,
                404,
                {"message": f"No operation at {self.command} {path}"},
                "UnknownOperationException",
            )
        else:
            assert model_id is not None
            record.tool = forced_tool(body) if isinstance(body, dict) else None
            try:
                self._send(record, 200, fake.converse(model_id, body, headers))
            except FakeError as error:
                status = ERROR_STATUS[error.error_type]
                self._send(record, status, {"message": error.message}, error.error_type)

    def _send(
        self,
        record: RecordedRequest,
        status: int,
        payload: Any,
        error_type: str | None = None,
    ) -> None:
        data = json.dumps(payload).encode()
        record.status, record.error_type = status, error_type
        record.answered = time.time()
        record.response = payload if isinstance(payload, dict) else {"items": payload}
        # Recorded before answering: a client that has its answer finds its request here.
        self.server.fake._record(record)
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("x-amzn-RequestId", str(uuid.uuid4()))
        if error_type is not None:
            self.send_header("x-amzn-ErrorType", error_type + _ERROR_TYPE_SUFFIX)
        self.end_headers()
        self.wfile.write(data)


def _control(fake: ConverseFake, method: str, path: str, body: Any) -> tuple[int, Any]:
    """The /_fake/ endpoints: faults and rates, recorded requests, call counts, reset."""
    try:
        if path == "/_fake/requests" and method == "GET":
            return 200, [asdict(r) for r in fake.converse_calls()]
        if path == "/_fake/stats" and method == "GET":
            return 200, asdict(fake.stats())
        if path == "/_fake/reset" and method == "POST":
            fake.reset()
            return 200, {"reset": True}
        if path == "/_fake/faults" and method == "DELETE":
            fake.clear_faults()
            return 200, {"cleared": True}
        if path == "/_fake/faults" and method == "POST" and isinstance(body, dict):
            _apply_faults(fake, body)
            return 200, {"accepted": body}
    except (ValueError, TypeError) as error:
        return 400, {"message": str(error)}
    return 404, {"message": f"No control endpoint at {method} {path}"}


def _apply_faults(fake: ConverseFake, body: dict[str, Any]) -> None:
    """{"error": type, "count": N | null, "tool": name?} / {"invalid": N} /
    {"obey_injection": mode} / any of {"throttle_rate", "error_rate", "latency_s", "seed"}."""
    if any(name in body for name in RATE_ENV):
        seed = body.get("seed")
        fake.set_rates(
            throttle_rate=_optional_float(body.get("throttle_rate")),
            error_rate=_optional_float(body.get("error_rate")),
            latency_s=_optional_float(body.get("latency_s")),
            seed=None if seed is None else int(seed),
        )
    tool = body.get("tool")
    if "error" in body:
        count = body.get("count")
        if count is None:
            fake.fail_always(str(body["error"]), tool=tool)
        else:
            fake.fail_next(int(count), str(body["error"]), tool=tool)
    if "invalid" in body:
        fake.invalid_next(int(body["invalid"]), tool=tool)
    if "obey_injection" in body:
        fake.obey_injection = body["obey_injection"]


def _optional_float(value: Any) -> float | None:
    return None if value is None else float(value)


# -- command line ----------------------------------------------------------------------------


def fake_from_command_line(
    argv: Sequence[str] | None = None, environ: Mapping[str, str] | None = None
) -> ConverseFake:
    """The fake, not yet started, that the command line describes; the rate flags win over
    the DOCPIPE_FAKE_* variables of `environ` (default os.environ). Exits on bad values."""
    parser = argparse.ArgumentParser(
        prog="python -m docpipe.converse_fake",
        description="A fake Amazon Bedrock Converse endpoint for offline runs and tests.",
    )
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--throttle", type=int, default=0, help="throttle the first N calls")
    parser.add_argument("--invalid", type=int, default=0, help="invalid tool input N times")
    parser.add_argument("--obey-injection", choices=INJECTION_MODES, default="off")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    rates = parser.add_argument_group(
        "random faults and latency", "Defaults come from the DOCPIPE_FAKE_* variables."
    )
    rates.add_argument(
        "--throttle-rate",
        type=float,
        metavar="P",
        help=f"throttle this share of calls (${THROTTLE_RATE_ENV}, else 0)",
    )
    rates.add_argument(
        "--error-rate",
        type=float,
        metavar="P",
        help=f"answer this share of calls with a 500 or 503 (${ERROR_RATE_ENV}, else 0)",
    )
    rates.add_argument(
        "--latency",
        dest="latency_s",
        type=float,
        metavar="SECONDS",
        help=f"seconds a successful call takes (${LATENCY_ENV}, else 0)",
    )
    rates.add_argument(
        "--seed", type=int, help=f"seed of the random faults (${SEED_ENV}, else random)"
    )
    args = parser.parse_args(argv)
    flags = {name: getattr(args, name) for name in _RATE_FLAGS}
    given = {name: value for name, value in flags.items() if value is not None}
    # A bad value is reported under the name the user gave it: the flag, else the variable.
    names = {name: _RATE_FLAGS[name] if name in given else RATE_ENV[name] for name in RATE_ENV}
    try:
        settings = replace(FaultRates.from_env(environ), **given).checked(names)
    except ValueError as error:
        parser.error(str(error))
    fake = ConverseFake(
        host=args.host,
        port=args.port,
        throttle=args.throttle,
        obey_injection=args.obey_injection,
        verbose=not args.quiet,
        **asdict(settings),
    )
    if args.invalid:
        fake.invalid_next(args.invalid)
    return fake


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fake in the foreground until interrupted."""
    fake = fake_from_command_line(argv)
    # SIGTERM (a CI job or container stopping) ends it as cleanly as Ctrl-C.
    signal.signal(signal.SIGTERM, _interrupt)
    with fake:
        try:
            print(f"Converse fake listening on {fake.endpoint}", flush=True)
            print("Set, for the bedrock provider (docpipe run sets AWS credentials itself):")
            print(f"  export {ENDPOINT_ENV}={fake.endpoint}")
            print("  export DOCPIPE_MODEL_PROVIDER=bedrock")
            print("  export DOCPIPE_MODEL_ID=amazon.nova-micro-v1:0")
            print("Other clients also need AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION.")
            example = '{"error": "ThrottlingException", "count": 2}'
            print(f"Faults: POST {fake.endpoint}/_fake/faults with e.g. {example}")
            rates = fake.rates
            if rates != FaultRates(seed=rates.seed):
                print(
                    f"Random faults: throttle {rates.throttle_rate:g}, 5xx {rates.error_rate:g}, "
                    f"latency {rates.latency_s:g} s, seed {rates.seed}"
                )
            print(f"Call counts: GET {fake.endpoint}/_fake/stats")
            print("Ctrl-C stops.", flush=True)
            while True:
                time.sleep(3600)
        except KeyboardInterrupt:
            pass
    return 0


def _interrupt(signum: int, frame: FrameType | None) -> None:
    raise KeyboardInterrupt


if __name__ == "__main__":
    sys.exit(main())
