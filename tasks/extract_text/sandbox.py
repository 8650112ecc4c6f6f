"""Extraction in a child process that can be stopped: a hard bound on time and memory.

The parsers are C libraries (pdfium, lxml, zlib) and Python code that a hostile file can
keep busy for hours, blow up in memory or crash. The deadline checks in `common.py` only
run between pages, so the Extract Text task runs `extract_text` in a child process:

- the child's address space may grow by at most `max_memory_bytes` (RLIMIT_AS, set in the
  child); running out there is `DocumentTooLargeError`, not a dead Lambda;
- the child is killed `KILL_GRACE_SECONDS` after the extraction's own deadline, and the
  task fails `ExtractionTimeoutError` well before the Lambda's timeout;
- a parser that crashes fails `CorruptDocumentError`, and an error the parsers did not
  name (a library's own exception, a recursion too deep) fails `CorruptDocumentError`
  naming it: every document ends with a named error, and the task's process lives on.

The children are forked by a small server process (`serve`, started on first use and
stopped with its parent): single-threaded, with the extractors imported once, so a child
starts in milliseconds with a clean copy of a process no other thread ever touched (the
offline engine runs many threads; forking it would copy their locks). Requests and answers
travel as pickles over a Unix socket per extraction (Lambda has no /dev/shm, which
`multiprocessing`'s pools and queues need; sockets and fork work).
"""

from __future__ import annotations

import atexit
import contextlib
import importlib
import os
import resource
import signal
import socket
import socketserver
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from tasks.extract_text.common import ExtractedText, ExtractionLimits
from tasks.shared import errors
from tasks.shared.errors import (
    CorruptDocumentError,
    DocpipeError,
    DocumentTooLargeError,
    ExtractionTimeoutError,
)

# Seconds between the extraction's own deadline and the kill: time to notice it and say
# how far it got.
KILL_GRACE_SECONDS = 5.0
# Characters of an unnamed error's message kept in the named one.
MESSAGE_EXCERPT = 120
# Frames a parser may recurse through: nested e-mail and XML give up long before the C
# stack does.
RECURSION_LIMIT = 2000
SERVER_START_SECONDS = 60.0
_READY = b"ready\n"
# What the child runs: "module:function", called with (data, limits).
EXTRACTOR = "tasks.extract_text.extraction:extract_text"
_PROJECT_ROOT = str(Path(__file__).resolve().parents[2])


@dataclass(frozen=True)
class Extraction:
    """What one bounded extraction gave: its text or its named error, and what it cost.

    `peak_memory_bytes` is the child's peak resident set (pages it shares with the server
    included); None when the child died before saying.
    """

    result: ExtractedText | None
    error: DocpipeError | None
    seconds: float
    peak_memory_bytes: int | None

    def text(self) -> ExtractedText:
        """The extracted text, or the error raised."""
        if self.error is not None:
            raise self.error
        assert self.result is not None
        return self.result


def extract_bounded(
    data: bytes, limits: ExtractionLimits, max_memory_bytes: int, extractor: str = EXTRACTOR
) -> ExtractedText:
    """`extract_text(data, limits)` in a child process bounded in time and memory.

    `extractor` names the function the child calls instead ("module:function").

    Raises the extractors' own errors, and:
        ExtractionTimeoutError: the child was still busy after the deadline and was killed.
        DocumentTooLargeError: the child ran out of its `max_memory_bytes`.
        CorruptDocumentError: a parser crashed, or raised an error of its own.
    """
    return extract_measured(data, limits, max_memory_bytes, extractor).text()


def extract_measured(
    data: bytes, limits: ExtractionLimits, max_memory_bytes: int, extractor: str = EXTRACTOR
) -> Extraction:
    """`extract_bounded`, with its time and memory, the error returned rather than raised."""
    started = time.monotonic()
    connection = _SERVER.connect()
    try:
        pid = connection.recv()
        connection.send((extractor, data, limits, max_memory_bytes))
        if not connection.poll(limits.max_seconds + KILL_GRACE_SECONDS):
            _kill(pid)
            timeout = ExtractionTimeoutError(
                f"Extracting the document took longer than the limit of "
                f"{limits.max_seconds:g} s; it was stopped."
            )
            return Extraction(None, timeout, time.monotonic() - started, None)
        try:
            outcome, peak = connection.recv()
        except EOFError:
            died = CorruptDocumentError(
                "The extraction process died reading the document (a parser crashed, or it "
                f"was killed for using more than the {max_memory_bytes // 2**20:,} MB allowed)."
            )
            return Extraction(None, died, time.monotonic() - started, None)
    finally:
        connection.close()
    seconds = time.monotonic() - started
    try:
        return Extraction(_result(outcome), None, seconds, peak)
    except DocpipeError as error:
        return Extraction(None, error, seconds, peak)


def _kill(pid: int) -> None:
    with contextlib.suppress(ProcessLookupError):  # it ended meanwhile
        os.kill(pid, signal.SIGKILL)


def _result(outcome: tuple[str, Any, Any]) -> ExtractedText:
    kind, first, second = outcome
    if kind == "ok" and isinstance(first, ExtractedText):
        return first
    error = getattr(errors, str(first), None)
    if isinstance(error, type) and issubclass(error, DocpipeError):
        raise error(str(second))
    raise CorruptDocumentError(str(second))


class _ServerProcess:
    """The fork server of this process: started on first use, restarted if it died."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._path = ""

    def connect(self) -> Connection:
        """A connection to a fresh child of the server."""
        for attempt in range(2):
            path = self._running()
            client = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            try:
                client.connect(path)
            except OSError:
                client.close()
                if attempt:
                    raise
                self._stop()  # it died: start another
                continue
            return Connection(client.detach())
        raise AssertionError("unreachable")

    def _running(self) -> str:
        with self._lock:
            if self._process is None or self._process.poll() is not None:
                self._start()
            return self._path

    def _start(self) -> None:
        directory = tempfile.mkdtemp(prefix="docpipe-extract-")
        self._path = os.path.join(directory, "server.sock")
        environment = {**os.environ, "PYTHONPATH": os.pathsep.join([_PROJECT_ROOT, *sys.path])}
        self._process = subprocess.Popen(
            [sys.executable, "-c", f"from {__name__} import serve; serve({self._path!r})"],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            env=environment,
            cwd=_PROJECT_ROOT,
            start_new_session=True,  # a process group of its own, with every child it forks
        )
        assert self._process.stdout is not None
        ready = self._process.stdout.readline()  # the server says when it listens
        if ready != _READY:
            self._process.kill()
            raise RuntimeError(f"the extraction server did not start (said {ready!r})")

    def _stop(self) -> None:
        with self._lock:
            if self._process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self._process.pid, signal.SIGKILL)  # the server and its children
                self._process.wait()
            self._process = None

    def close(self) -> None:
        """Stop the server and every extraction still running."""
        self._stop()

    @property
    def pid(self) -> int | None:
        """The server's process id while it runs."""
        process = self._process
        return process.pid if process is not None and process.poll() is None else None


_SERVER = _ServerProcess()
atexit.register(_SERVER.close)


def stop_extractions() -> None:
    """Stop every extraction in progress (each fails `CorruptDocumentError` at once) and the
    server; the next extraction starts another. What ends a Lambda environment ends them."""
    _SERVER.close()


def server_pid() -> int | None:
    """The process id of this process's extraction server, while one runs."""
    return _SERVER.pid


# The server side


class _ForkingServer(socketserver.ForkingMixIn, socketserver.UnixStreamServer):
    """Forks one child per connection; exits when the process that started it is gone."""

    block_on_close = False

    def __init__(self, path: str) -> None:
        super().__init__(path, _Extraction)
        self._parent = os.getppid()

    def service_actions(self) -> None:
        super().service_actions()
        if os.getppid() != self._parent:
            raise SystemExit(0)


class _Extraction(socketserver.BaseRequestHandler):
    """In the forked child: say its pid, take one request, answer it."""

    def handle(self) -> None:
        connection = Connection(os.dup(self.request.fileno()))
        try:
            connection.send(os.getpid())
            extractor, data, limits, max_memory_bytes = connection.recv()
            outcome = _extract(extractor, data, limits, max_memory_bytes)
            try:
                connection.send((outcome, _peak_memory_bytes()))
            except MemoryError:
                too_large = "The extracted text is too large to return."
                error = ("error", DocumentTooLargeError.__name__, too_large)
                connection.send((error, _peak_memory_bytes()))
        finally:
            connection.close()


def _peak_memory_bytes() -> int:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024  # Linux counts in KiB


def _limit_memory(max_memory_bytes: int) -> None:
    """Let the address space grow by `max_memory_bytes` from what the child has now."""
    with open("/proc/self/status", encoding="ascii") as status:
        size_kb = next(int(line.split()[1]) for line in status if line.startswith("VmSize:"))
    limit = size_kb * 1024 + max_memory_bytes
    _, hard = resource.getrlimit(resource.RLIMIT_AS)
    if hard != resource.RLIM_INFINITY:
        limit = min(limit, hard)
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))


def _extract(
    extractor: str, data: bytes, limits: ExtractionLimits, max_memory_bytes: int
) -> tuple[str, Any, Any]:
    """("ok", result, None) or ("error", error name, message)."""
    try:
        module, _, function = extractor.partition(":")
        extract = getattr(importlib.import_module(module), function)
        sys.setrecursionlimit(RECURSION_LIMIT)
        if max_memory_bytes > 0:
            _limit_memory(max_memory_bytes)
        return ("ok", extract(data, limits), None)
    except DocpipeError as exc:
        return ("error", type(exc).__name__, str(exc))
    except MemoryError:
        return (
            "error",
            DocumentTooLargeError.__name__,
            f"Extracting the document needed more than the {max_memory_bytes // 2**20:,} MB "
            "of memory allowed.",
        )
    except RecursionError:
        return (
            "error",
            CorruptDocumentError.__name__,
            "The document is nested too deeply to read.",
        )
    except Exception as exc:  # noqa: BLE001  (a library's own error: the document is what it choked on)
        message = _excerpt(str(exc))
        return (
            "error",
            CorruptDocumentError.__name__,
            f"The document could not be parsed ({type(exc).__name__}: {message}).",
        )


def _excerpt(text: str) -> str:
    """A short, printable excerpt: a library's message may quote the document."""
    printable = "".join(char if char.isprintable() else " " for char in text[: MESSAGE_EXCERPT * 4])
    return " ".join(printable.split())[:MESSAGE_EXCERPT]


def serve(path: str) -> None:
    """Run the fork server on the Unix socket `path` (the entry of the server process)."""
    import tasks.extract_text.extraction  # noqa: F401  (imported once, shared by every child)

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is for the parent to handle
    with _ForkingServer(path) as server:
        sys.stdout.buffer.write(_READY)
        sys.stdout.buffer.flush()
        try:
            server.serve_forever(poll_interval=1.0)
        finally:
            Path(path).unlink(missing_ok=True)
