"""The console's HTTP server, on 127.0.0.1 only: the page under / and its JSON API under
/api/.

    GET  /api/executions?status=S&q=KEY    the execution list
    GET  /api/executions/NAME              trace, graph (SVG) and document of one
    GET  /api/executions/NAME/history?page=N   its event history, a page at a time
    GET  /api/documents/ID                 a document's pages, chunks, summaries, category
    GET  /api/dead-letters                 the dead letters
    POST /api/dead-letters/replay          {"ids": [...]} or {"all": true}: a replay job
    POST /api/uploads                      the file's bytes, its name in X-Filename: a run job
    GET  /api/jobs, /api/jobs/N            what the jobs did
    GET  /api/gauges                       intake depth, running against the cap, dead letters
    GET  /api/graph                        the bare workflow (SVG)

A POST must carry the header `X-Docpipe-Console` (a page of another site cannot send it
without the browser asking first), and the Host header must name this machine, so no other
site can drive the console through the browser.
"""

from __future__ import annotations

import json
import mimetypes
import re
import threading
import urllib.parse
from collections.abc import Callable
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from docpipe.console.jobs import Jobs
from docpipe.console.views import ConsoleViews
from docpipe.graph import svg
from docpipe.state import StateDirectory
from infra.config import PIPELINE_ASL

HOST = "127.0.0.1"
# Bytes an upload from the page may have; the pipeline's own limit (DOCPIPE_MAX_DOCUMENT_BYTES)
# still applies to what is run, and ends larger documents with DocumentTooLargeError.
MAX_UPLOAD_BYTES = 256 * 1024 * 1024
CONSOLE_HEADER = "X-Docpipe-Console"
_LOCAL_HOSTS = {"127.0.0.1", "localhost", "[::1]"}
_STATIC = {"/": "index.html", "/console.js": "console.js", "/console.css": "console.css"}


class ConsoleError(Exception):
    """A request the console answers with an HTTP error status and a message."""

    def __init__(self, status: HTTPStatus, message: str) -> None:
        super().__init__(message)
        self.status = status


class Console:
    """The console's state: what the pages read (`views`) and the work queue (`jobs`)."""

    def __init__(self, views: ConsoleViews, jobs: Jobs) -> None:
        self.views = views
        self.jobs = jobs
        self._routes: list[tuple[str, re.Pattern[str], Callable[..., Any]]] = [
            ("GET", re.compile(r"/api/executions"), self._executions),
            ("GET", re.compile(r"/api/executions/([^/]+)"), self._execution),
            ("GET", re.compile(r"/api/executions/([^/]+)/history"), self._history),
            ("GET", re.compile(r"/api/documents/([^/]+)"), self._document),
            ("GET", re.compile(r"/api/dead-letters"), self._dead_letters),
            ("POST", re.compile(r"/api/dead-letters/replay"), self._replay),
            ("POST", re.compile(r"/api/uploads"), self._upload),
            ("GET", re.compile(r"/api/jobs"), self._jobs),
            ("GET", re.compile(r"/api/jobs/(\d+)"), self._job),
            ("GET", re.compile(r"/api/gauges"), lambda request: self.jobs.gauges()),
            ("GET", re.compile(r"/api/graph"), lambda request: {"graph": svg(self.views.asl)}),
        ]

    def answer(self, request: Request) -> Any:
        for method, pattern, handler in self._routes:
            matched = pattern.fullmatch(request.path)
            if matched and method == request.method:
                return handler(request, *(urllib.parse.unquote(g) for g in matched.groups()))
        raise ConsoleError(HTTPStatus.NOT_FOUND, f"no such page: {request.path}")

    def _executions(self, request: Request) -> Any:
        return self.views.executions(request.query("status"), request.query("q"))

    def _execution(self, request: Request, name: str) -> Any:
        return _found(self.views.execution(name), f"no execution {name!r}")

    def _history(self, request: Request, name: str) -> Any:
        page = int(request.query("page") or 1)
        return _found(self.views.history(name, page), f"no execution {name!r}")

    def _document(self, request: Request, identity: str) -> Any:
        return _found(self.views.document(identity), f"no document {identity!r}")

    def _dead_letters(self, request: Request) -> Any:
        return self.views.dead_letters()

    def _replay(self, request: Request) -> Any:
        asked = request.json()
        ids = None if asked.get("all") else [str(i) for i in asked.get("ids") or []]
        if ids is not None and not ids:
            raise ConsoleError(HTTPStatus.BAD_REQUEST, 'name dead letters in "ids", or "all"')
        return self.jobs.replay(ids).as_json()

    def _upload(self, request: Request) -> Any:
        name = urllib.parse.unquote(request.headers.get("X-Filename") or "")
        if not name:
            raise ConsoleError(HTTPStatus.BAD_REQUEST, "name the file in the X-Filename header")
        return self.jobs.upload([(name, request.body())]).as_json()

    def _jobs(self, request: Request) -> Any:
        return [job.as_json() for job in self.jobs.all()]

    def _job(self, request: Request, job_id: str) -> Any:
        job = self.jobs.get(int(job_id))
        return _found(job.as_json() if job else None, f"no job {job_id}")


def _found(value: Any, message: str) -> Any:
    if value is None:
        raise ConsoleError(HTTPStatus.NOT_FOUND, message)
    return value


class Request:
    """What a handler needs of one HTTP request."""

    def __init__(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parsed = urllib.parse.urlsplit(handler.path)
        self.method = method
        self.path = parsed.path
        self.headers = handler.headers
        self._query = urllib.parse.parse_qs(parsed.query)
        self._handler = handler

    def query(self, name: str) -> str | None:
        values = self._query.get(name)
        return values[0] if values and values[0] else None

    def body(self) -> bytes:
        length = int(self.headers.get("Content-Length") or 0)
        if length > MAX_UPLOAD_BYTES:
            raise ConsoleError(
                HTTPStatus.REQUEST_ENTITY_TOO_LARGE,
                f"the upload is {length:,} bytes; the console takes at most {MAX_UPLOAD_BYTES:,}",
            )
        return self._handler.rfile.read(length)

    def json(self) -> dict[str, Any]:
        try:
            value = json.loads(self.body() or b"{}")
        except json.JSONDecodeError as exc:
            raise ConsoleError(HTTPStatus.BAD_REQUEST, f"the body is not JSON: {exc}") from exc
        if not isinstance(value, dict):
            raise ConsoleError(HTTPStatus.BAD_REQUEST, "the body must be a JSON object")
        return value


def _handler_class(console: Console) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        server_version = "docpipe-console"

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the console is quiet; errors reach the page

        def do_GET(self) -> None:
            self._serve("GET")

        def do_POST(self) -> None:
            self._serve("POST")

        def _serve(self, method: str) -> None:
            host = (self.headers.get("Host") or "").rsplit(":", 1)[0]
            if host not in _LOCAL_HOSTS:
                self._send(HTTPStatus.FORBIDDEN, {"error": "the console answers on 127.0.0.1 only"})
                return
            path = urllib.parse.urlsplit(self.path).path
            if method == "GET" and path in _STATIC:
                self._static(_STATIC[path])
                return
            if method == "POST" and not self.headers.get(CONSOLE_HEADER):
                self._send(HTTPStatus.FORBIDDEN, {"error": f"a POST needs {CONSOLE_HEADER}"})
                return
            try:
                self._send(HTTPStatus.OK, console.answer(Request(self, method)))
            except ConsoleError as exc:
                self._send(exc.status, {"error": str(exc)})
            except Exception as exc:  # noqa: BLE001 - one bad request must not stop the console
                self._send(
                    HTTPStatus.INTERNAL_SERVER_ERROR, {"error": f"{type(exc).__name__}: {exc}"}
                )

        def _static(self, name: str) -> None:
            body = resources.files("docpipe.console").joinpath("static", name).read_bytes()
            self.send_response(HTTPStatus.OK)
            kind = mimetypes.guess_type(name)[0] or "application/octet-stream"
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

        def _send(self, status: HTTPStatus, value: Any) -> None:
            body = json.dumps(value, default=str, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            self.wfile.write(body)

    return Handler


class ConsoleServer:
    """The console serving on 127.0.0.1:`port` (0: a free port) in a background thread,
    or in the foreground with `serve_forever()`."""

    def __init__(self, console: Console, port: int = 0) -> None:
        self.console = console
        self._server = ThreadingHTTPServer((HOST, port), _handler_class(console))
        self._server.daemon_threads = True
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self._server.server_address[1]}/"

    def start(self) -> ConsoleServer:
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self._server.serve_forever()

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self.console.jobs.close()

    def __enter__(self) -> ConsoleServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()


def open_console(state: StateDirectory, port: int = 0) -> ConsoleServer:
    """A console over `state`, not yet serving (`start()` or `serve_forever()`)."""
    asl = json.loads(PIPELINE_ASL.read_text(encoding="utf-8"))
    return ConsoleServer(Console(ConsoleViews(state, asl), Jobs(state)), port)
