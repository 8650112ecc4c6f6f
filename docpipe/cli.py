"""The `docpipe` command line: `run`, `demo`, `extract`, and `trace`, `graph`, `results`,
`status`, `dlq` and `redrive`, which read what earlier runs left in the state directory, or
with `--aws` a deployed stack (docpipe/aws.py; see README and DESIGN.md)."""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import sys
import tempfile
import textwrap
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from docpipe.errors import EngineError, UsageError

if TYPE_CHECKING:
    from docpipe.runner import InputFile
    from docpipe.state import DeadLetter

# The engine (and moto) load only for the commands that run documents: `--help` and
# `--version` answer at once.

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
EXIT_INTERRUPTED = 130  # Ctrl-C: the shells' 128 + SIGINT
# Progress lines go to stderr when it is a terminal, or when this is "1" (a CI log).
PROGRESS_ENV = "DOCPIPE_PROGRESS"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="docpipe",
        description="Run the docpipe state machine offline on your files.",
    )
    parser.add_argument("--version", action="version", version=f"docpipe {_version()}")
    commands = parser.add_subparsers(dest="command", required=True)
    run = commands.add_parser("run", help="process files through the offline pipeline")
    run.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    run.add_argument("--json", action="store_true", help="print one JSON array")
    run.add_argument(
        "--concurrency",
        type=int,
        default=None,
        help="cap on running documents, the intake's admission limit "
        "(DOCPIPE_MAX_CONCURRENT_DOCUMENTS, or 4)",
    )
    run.add_argument(
        "--timeout", type=float, default=900.0, help="seconds to wait for all documents (900)"
    )
    run.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    backfill = commands.add_parser(
        "backfill",
        help="feed documents already in the bucket through the intake (offline: a folder)",
    )
    backfill.add_argument(
        "target",
        metavar="FOLDER|s3://BUCKET/PREFIX",
        help="offline a folder; with --aws an S3 prefix",
    )
    backfill.add_argument("--json", action="store_true", help="print one JSON object")
    backfill.add_argument(
        "--concurrency", type=int, default=None, help="offline: the intake's cap (as run)"
    )
    backfill.add_argument(
        "--timeout", type=float, default=900.0, help="offline: seconds to wait for all (900)"
    )
    backfill.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    _aws_options(backfill)
    demo = commands.add_parser("demo", help="generate sample documents and run them")
    demo.add_argument("--json", action="store_true", help="print one JSON array")
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress lines on stderr")
    evaluate = commands.add_parser(
        "eval", help="run labelled documents and measure the category and the summaries"
    )
    evaluate.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    evaluate.add_argument(
        "--labels", required=True, metavar="FILE.csv", help="columns file,label (README: Eval)"
    )
    evaluate.add_argument(
        "--provider", choices=["local", "bedrock"], default=None, help="the model (local)"
    )
    evaluate.add_argument(
        "--label-config", metavar="FILE.json", help="the labels to classify into (labels.json)"
    )
    evaluate.add_argument("--set", dest="set_name", default=None, help="the set's name")
    evaluate.add_argument("--split", default=None, help="the split used (tune, test)")
    evaluate.add_argument("--report", metavar="FILE.md", help="where the report goes")
    evaluate.add_argument("--baseline", metavar="FILE.json", help="an earlier report's sidecar")
    evaluate.add_argument("--json", action="store_true", help="print every figure as JSON")
    evaluate.add_argument("-q", "--quiet", action="store_true", help="no progress lines")
    serve = commands.add_parser(
        "serve", help="the local web console on 127.0.0.1: executions, documents, dead letters"
    )
    serve.add_argument("--port", type=int, default=8321, help="port (8321; 0: any free one)")
    extract = commands.add_parser(
        "extract", help="print the text and metadata the pipeline extracts from files"
    )
    extract.add_argument("paths", nargs="+", metavar="PATH", help="files or directories")
    extract.add_argument("--json", action="store_true", help="print one JSON array")
    trace = commands.add_parser(
        "trace", help="show an execution's states, retries, inputs and outputs (of a past run)"
    )
    trace.add_argument(
        "target", metavar="TARGET", help="execution name or ARN, document id, or a file run before"
    )
    trace.add_argument("--json", action="store_true", help="print one JSON object")
    trace.add_argument("--full", action="store_true", help="whole inputs and outputs")
    _aws_options(trace)
    results = commands.add_parser("results", help="the documents processed so far")
    results.add_argument("--json", action="store_true", help="print one JSON array")
    _aws_options(results)
    status = commands.add_parser(
        "status", help="a document's record, execution and result, found by its object key"
    )
    status.add_argument("url", metavar="s3://BUCKET/KEY", help="the uploaded object")
    status.add_argument("--json", action="store_true", help="print one JSON array")
    _aws_options(status)
    dlq = commands.add_parser("dlq", help="list, show and replay dead letters of earlier runs")
    dlq.add_argument("action", choices=["list", "show", "replay"])
    dlq.add_argument("letter", nargs="?", metavar="ID", help="a dead letter's id (dlq list)")
    dlq.add_argument("--all", action="store_true", help="replay every dead letter")
    dlq.add_argument("--json", action="store_true", help="print JSON")
    _aws_options(dlq)
    graph = commands.add_parser(
        "graph", help="draw the state machine, coloured by what an execution did"
    )
    graph.add_argument(
        "target",
        nargs="?",
        metavar="TARGET",
        help="an execution (as for trace); none: the bare workflow",
    )
    graph.add_argument("--format", choices=["svg", "mermaid", "dot"], default="svg")
    graph.add_argument("-o", "--output", metavar="FILE", help="write here instead of stdout")
    _aws_options(graph)
    redrive = commands.add_parser(
        "redrive", help="run a failed, timed-out or aborted execution's document again"
    )
    redrive.add_argument("target", metavar="EXECUTION", help="execution name or ARN")
    redrive.add_argument("--json", action="store_true", help="print JSON")
    _aws_options(redrive)
    smoke = commands.add_parser(
        "smoke",
        help="upload a sample to the deployed stack and wait for its completion notification",
    )
    smoke.add_argument("--stack", metavar="NAME", help="the deployed stack (default Docpipe)")
    smoke.add_argument(
        "--file", metavar="FILE", help="upload this file instead of the built-in sample letter"
    )
    smoke.add_argument(
        "--timeout", type=float, default=600.0, metavar="S", help="give up after S seconds"
    )
    smoke.add_argument("--json", action="store_true", help="print one JSON object")
    return parser


def _aws_options(command: argparse.ArgumentParser) -> None:
    command.add_argument(
        "--aws",
        action="store_true",
        help="read the deployed stack (boto3's standard credentials and region) instead of "
        "the state directory",
    )
    command.add_argument(
        "--stack", metavar="NAME", help="the deployed stack's name (default Docpipe; implies --aws)"
    )


def _deployed_stack(args: argparse.Namespace) -> str | None:
    """The stack the command reads with `--aws` (`--stack`, or app.py's); None: offline."""
    if not (args.aws or args.stack):
        return None
    from infra.config import STACK_NAME

    return str(args.stack or STACK_NAME)


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("docpipe")
    except PackageNotFoundError:
        return "unknown (not installed)"


@contextlib.contextmanager
def _stdout_to_stderr(enabled: bool) -> Iterator[None]:
    """Send whatever the tasks print to stderr, so stdout holds only the JSON answer."""
    real = sys.stdout
    if enabled:
        sys.stdout = sys.stderr
    try:
        yield
    finally:
        sys.stdout = real


def _print_human(results: Sequence[dict[str, Any]], out: TextIO) -> None:
    for result in results:
        out.write(f"{result['file']}\n  status:     {result['status']}\n")
        if result["status"] == "SUCCEEDED":
            review = "  (review required)" if result["review_required"] else ""
            out.write(f"  category:   {result['category']}{review}\n")
            out.write(f"  confidence: {result['confidence']:.2f}\n")
            summary = textwrap.fill(
                result["summary"] or "",
                width=96,
                initial_indent="  summary:    ",
                subsequent_indent=" " * 14,
            )
            out.write(summary + "\n")
        elif result["status"] == "SKIPPED_DUPLICATE" and result.get("duplicate_of"):
            out.write(f"  duplicate of: document {result['duplicate_of']}\n")
        elif result["error"]:
            out.write(f"  error:      {result['error']['type']}: {result['error']['message']}\n")
        out.write("\n")


# How `_run` processes the files in the engine: `docpipe run`'s uploads by default.
Processing = Callable[..., list[dict[str, Any]]]


def _run(
    files: list[InputFile],
    *,
    as_json: bool,
    concurrency: int | None,
    timeout: float,
    quiet: bool = False,
    names_only: bool = False,
    extra_env: dict[str, str] | None = None,
    process: Processing | None = None,
) -> list[dict[str, Any]]:
    """Process `files` (`process(engine, files, timeout=, on_result=)`, by default
    `run_files`) and keep the run in the state directory; task logs stay off stdout while a
    JSON answer is expected. A line on stderr per finished document when stderr is a
    terminal (not with `quiet`)."""
    from docpipe.engine import LocalEngine
    from docpipe.runner import keep_state, run_files
    from docpipe.state import StateDirectory

    if concurrency is not None and concurrency < 1:
        raise UsageError("--concurrency must be at least 1")
    with (
        _stdout_to_stderr(as_json),
        LocalEngine(extra_env=extra_env, max_concurrent_documents=concurrency) as engine,
    ):
        shown = not quiet and (sys.stderr.isatty() or os.environ.get(PROGRESS_ENV) == "1")
        progress = Progress(len(files), names_only=names_only) if shown else None
        results = (process or run_files)(engine, files, timeout=timeout, on_result=progress)
        # What later commands (trace, results) read, in the state directory
        state = StateDirectory()
        keep_state(engine, state)
        state.save_run(results)
        return results


def _exit_code(results: Sequence[dict[str, Any]]) -> int:
    """`docpipe run`'s exit code for its results (also `backfill`'s, offline)."""
    if any((r["error"] or {}).get("type") == "Interrupted" for r in results):
        print("docpipe: interrupted; the documents not ended are marked", file=sys.stderr)
        return EXIT_INTERRUPTED
    failed = any(r["status"] in ("FAILED", "TIMED_OUT") for r in results)
    return EXIT_FAILED if failed else EXIT_OK


class Progress:
    """`[3/10] SUCCEEDED  invoice  report.pdf` on stderr as each document ends."""

    def __init__(self, total: int, *, names_only: bool = False) -> None:
        self.total = total
        self.done = 0
        self.names_only = names_only  # the demo's files lie in a temporary directory

    def __call__(self, result: dict[str, Any]) -> None:
        self.done += 1
        what = result.get("category") or (result.get("error") or {}).get("type") or ""
        width = len(str(self.total))
        print(
            f"[{self.done:>{width}}/{self.total}] {result['status']:<17} {what:<24} "
            f"{Path(result['file']).name if self.names_only else result['file']}",
            file=sys.stderr,
            flush=True,
        )


def _print_json(results: Any) -> None:
    json.dump(results, sys.stdout, indent=2, ensure_ascii=False)
    sys.stdout.write("\n")


def _report(results: Sequence[dict[str, Any]], *, as_json: bool) -> None:
    if as_json:
        _print_json(results)
    else:
        _print_human(results, sys.stdout)


def _demo(as_json: bool, quiet: bool) -> int:
    from docpipe.runner import InputFile
    from docpipe.samples import write_samples

    with tempfile.TemporaryDirectory(prefix="docpipe-demo-") as tmp:
        written = write_samples(Path(tmp))
        files = [InputFile(path, path.name) for path, _ in written]
        if not as_json:
            print(
                f"docpipe demo: {len(files)} generated documents through the offline "
                "pipeline (400-token chunks, so the 10-page report takes the Map branch)\n"
            )
        results = _run(
            files,
            as_json=as_json,
            concurrency=None,
            timeout=900.0,
            quiet=quiet,
            names_only=True,
            extra_env={"DOCPIPE_CHUNK_TOKENS": "400", "DOCPIPE_CHUNK_OVERLAP_TOKENS": "40"},
        )
    for (_, sample), result in zip(written, results, strict=True):
        result["file"] = sample.name  # the temporary directory means nothing to the reader
    _report(results, as_json=as_json)
    unexpected = [
        f"{sample.name}: expected {sample.expected_status}, got {result['status']}"
        for (_, sample), result in zip(written, results, strict=True)
        if result["status"] != sample.expected_status
    ]
    for line in unexpected:
        print(f"demo: {line}", file=sys.stderr)
    return EXIT_FAILED if unexpected else EXIT_OK


def _extract(files: list[InputFile], *, as_json: bool) -> int:
    from docpipe.inspection import describe_extraction

    results = [describe_extraction(file.path) for file in files]
    if as_json:
        _print_json(results)
    else:
        for result in results:
            sys.stdout.write(f"== {result['file']}\n")
            if result["error"]:
                error = result["error"]
                sys.stdout.write(f"error: {error['type']}: {error['message']}\n\n")
                continue
            facts = (
                "media_type",
                "pages",
                "characters",
                "language",
                "extractor",
                "encoding",
                "ocr_pages",
            )
            sys.stdout.write("  ".join(f"{k}: {result[k]}" for k in facts) + "\n")
            for page in result["text_pages"]:
                sys.stdout.write(f"--- page {page['number']} ---\n{page['text']}\n")
            sys.stdout.write("\n")
    return EXIT_FAILED if any(r["error"] for r in results) else EXIT_OK


def _trace(target: str, *, as_json: bool, full: bool, stack_name: str | None) -> int:
    from docpipe.trace import render

    if stack_name is not None:
        from docpipe import aws

        with aws.deployed(stack_name) as stack:
            traced = aws.trace(stack, target, full=full)
    else:
        traced = _offline_trace(target, full=full)
    if as_json:
        _print_json(traced)
    else:
        print(render(traced))
    return EXIT_OK


def _offline_trace(target: str, *, full: bool) -> dict[str, Any]:
    from docpipe.state import OfflineStepFunctions, StateDirectory
    from docpipe.trace import trace

    state = StateDirectory()
    arn = state.resolve(target)
    if arn is None:
        raise UsageError(
            f"no execution for {target!r} in {state.root}/ (an execution name or ARN, a "
            "document id, or a file run before with `docpipe run`)"
        )
    return trace(OfflineStepFunctions(state), arn, full=full)


def _results(*, as_json: bool, stack_name: str | None) -> int:
    from docpipe.results import processed, render
    from docpipe.state import StateDirectory

    if stack_name is not None:
        from docpipe import aws

        with aws.deployed(stack_name) as stack:
            documents = aws.results(stack)
    else:
        documents = processed(StateDirectory())
    if as_json:
        _print_json(documents)
    else:
        print(render(documents))
    return EXIT_OK


def _status(url: str, *, as_json: bool, stack_name: str | None) -> int:
    from docpipe.results import parse_s3_url, render_status, status
    from docpipe.state import StateDirectory

    parse_s3_url(url)  # a usage error before any AWS call
    if stack_name is not None:
        from docpipe import aws

        with aws.deployed(stack_name) as stack:
            entries = aws.status(stack, url)
    else:
        entries = status(StateDirectory(), url)
    if as_json:
        _print_json(entries)
    else:
        print(render_status(url, entries))
    return EXIT_OK if entries else EXIT_FAILED


# What a replay or redrive ends in when it did its part: offline the replay has run
# (SUCCEEDED, PUBLISHED); on AWS the intake took it (ACCEPTED) or Step Functions redrove it.
_REPLAYED = ("SUCCEEDED", "PUBLISHED", "ACCEPTED", "REDRIVEN")


def _error_name(error: Any) -> str:
    """A failure notification's error as one word: its States error name (`$.error.Error`)."""
    if isinstance(error, dict):
        return str(error.get("Error") or "")
    return str(error or "")


def _backfill(args: argparse.Namespace) -> int:
    """`docpipe backfill`: offline over a folder, or on AWS over a prefix of the bucket."""
    from docpipe.results import S3_SCHEME

    stack_name = _deployed_stack(args)
    if stack_name is not None:
        return _backfill_deployed(args.target, stack_name, as_json=args.json, quiet=args.quiet)
    if args.target.startswith(S3_SCHEME):
        raise UsageError(
            "offline the bucket lasts one command: backfill a folder, or add --aws to "
            "backfill a prefix of the deployed stack's bucket"
        )
    from docpipe.backfill import BackfillRun, backfill_folder
    from docpipe.runner import expand_paths

    if not Path(args.target).is_dir():
        raise UsageError(f"not a folder: {args.target}")
    runs: list[BackfillRun] = []

    def backfill(engine: Any, files: list[InputFile], **waiting: Any) -> list[dict[str, Any]]:
        run, results = backfill_folder(engine, files, **waiting)
        runs.append(run)
        return results

    results = _run(
        expand_paths([args.target]),
        as_json=args.json,
        concurrency=args.concurrency,
        timeout=args.timeout,
        quiet=args.quiet,
        process=backfill,
    )
    (run,) = runs
    if args.json:
        _print_json({"backfill": run.as_json(), "documents": results})
    else:
        print(_backfill_line(run))
        _print_human(results, sys.stdout)
    return EXIT_FAILED if run.status != "SUCCEEDED" else _exit_code(results)


def _backfill_line(run: Any) -> str:
    items = run.items
    return (
        f"backfill {run.status}: {items['total']} objects, {items['succeeded']} sent to the "
        f"intake, {items['failed'] + items['timedOut'] + items['aborted']} not sent"
        + (f" ({run.error})" if run.error else "")
    )


def _backfill_deployed(url: str, stack_name: str, *, as_json: bool, quiet: bool) -> int:
    from docpipe.aws import deployed
    from docpipe.backfill import backfill_deployed

    def progress(items: dict[str, int]) -> None:
        if not quiet:
            print(
                f"listed {items['total']}, sent {items['succeeded']}, failed {items['failed']}",
                file=sys.stderr,
                flush=True,
            )

    with deployed(stack_name) as stack:
        run = backfill_deployed(stack, url, on_progress=progress)
    if as_json:
        _print_json({"backfill": run.as_json()})
    else:
        print(_backfill_line(run))
        print("the documents go on at the intake's pace: docpipe results --aws")
    return EXIT_OK if run.status == "SUCCEEDED" else EXIT_FAILED


def _smoke(args: argparse.Namespace) -> int:
    from docpipe import aws
    from docpipe.smoke import run_smoke

    try:
        document = Path(args.file).read_bytes() if args.file else None
    except OSError as exc:
        raise UsageError(f"cannot read {args.file}: {exc.strerror or exc}") from exc
    with aws.deployed(args.stack) as stack:
        result = run_smoke(stack, timeout=args.timeout, document=document)
    answer = result.as_json()
    if args.json:
        _print_json(answer)
    else:
        print(f"uploaded s3://{result.bucket}/{result.key} ({result.version_id})")
        if result.notification is None:
            print(f"no notification within {args.timeout:g} s: see `docpipe status --aws`")
        else:
            outcome = answer["category"] or _error_name(answer["error"])
            print(f"notified after {answer['seconds']} s: {answer['status']} {outcome}")
            print(f"  {answer['execution_arn']}")
    return EXIT_OK if result.passed else EXIT_FAILED


def _dlq(
    action: str, letter_id: str | None, *, every: bool, as_json: bool, stack_name: str | None
) -> int:
    if stack_name is not None:
        return _dlq_aws(action, letter_id, every=every, as_json=as_json, stack_name=stack_name)
    from docpipe import dead_letters
    from docpipe.state import StateDirectory

    state = StateDirectory()
    letters = state.dead_letters()
    if action == "list":
        listed = [dead_letters.summary(letter) for letter in letters]
        return _list_letters(listed, f"{state.root}/", as_json)
    chosen = (
        letters if every and action == "replay" else [dl for dl in letters if dl.id == letter_id]
    )
    if not chosen:
        raise UsageError(
            f"no dead letter {letter_id!r} in {state.root}/ (see `docpipe dlq list`)"
            if letter_id
            else "name a dead letter's ID, or --all (replay only)"
        )
    if action == "show":
        return _show_letter(chosen[0])
    return _replayed(dead_letters.replay(state, chosen), as_json)


def _dlq_aws(
    action: str, letter_id: str | None, *, every: bool, as_json: bool, stack_name: str
) -> int:
    from docpipe import aws

    if action != "list" and not letter_id and not (every and action == "replay"):
        raise UsageError("name a dead letter's ID, or --all (replay only)")
    with aws.deployed(stack_name) as stack:
        if action == "replay":
            return _replayed(aws.replay_dead_letters(stack, None if every else letter_id), as_json)
        queues, letters = aws.dead_letters(stack)
    if action == "list":
        listed = [queues.summary(letter) for letter in letters]
        return _list_letters(listed, f"stack {stack_name!r}", as_json)
    chosen = [letter for letter in letters if letter.id == letter_id]
    if not chosen:
        raise UsageError(
            f"no dead letter {letter_id!r} in stack {stack_name!r} (see `docpipe dlq list --aws`)"
        )
    return _show_letter(chosen[0])


def _list_letters(listed: list[dict[str, Any]], where: str, as_json: bool) -> int:
    if as_json:
        _print_json(listed)
    elif not listed:
        print(f"No dead letters in {where}.")
    for entry in [] if as_json else listed:
        print(f"{entry['id']}  {entry['kind']:<13} {entry['error']:<28} {entry['key']}")
    return EXIT_OK


def _show_letter(letter: DeadLetter) -> int:
    _print_json({"id": letter.id, "body": letter.body, "attributes": letter.attributes})
    return EXIT_OK


def _replayed(outcomes: list[dict[str, Any]], as_json: bool) -> int:
    if as_json:
        _print_json(outcomes)
    for outcome in [] if as_json else outcomes:
        execution = str(outcome.get("replay_execution_arn") or "").rsplit(":", 1)[-1]
        line = f"{outcome['id']}  {outcome.get('status', 'not replayed')}  {outcome['key']}"
        print(line + (f"  -> {execution}" if execution else ""))
    return EXIT_OK if all(o.get("status") in _REPLAYED for o in outcomes) else EXIT_FAILED


def _graph(target: str | None, form: str, output: str | None, stack_name: str | None) -> int:
    from docpipe.graph import RENDERERS
    from infra.config import PIPELINE_ASL

    traced = None
    if stack_name is not None:
        from docpipe import aws

        with aws.deployed(stack_name) as stack:
            asl = aws.definition(stack)  # the deployed definition
            if target is not None:
                traced = aws.trace(stack, target)
    else:
        asl = json.loads(PIPELINE_ASL.read_text())
        if target is not None:
            traced = _offline_trace(target, full=False)
    drawn = RENDERERS[form](asl, traced)
    if output:
        Path(output).write_text(drawn, encoding="utf-8")
    else:
        sys.stdout.write(drawn)
    return EXIT_OK


def _redrive(target: str, *, as_json: bool, stack_name: str | None) -> int:
    if stack_name is not None:
        from docpipe import aws

        with aws.deployed(stack_name) as stack:
            outcomes = aws.redrive(stack, target)
    else:
        outcomes = _offline_redrive(target)
    if as_json:
        _print_json(outcomes)
    for outcome in [] if as_json else outcomes:
        execution = outcome.get("replay_execution_arn") or outcome.get("execution_arn")
        via = f"  ({outcome['via']})" if outcome.get("via") else ""
        print(f"{execution}  {outcome.get('status')}{via}")
    return EXIT_OK if all(o.get("status") in _REPLAYED for o in outcomes) else EXIT_FAILED


def _offline_redrive(target: str) -> list[dict[str, Any]]:
    from docpipe import dead_letters
    from docpipe.state import StateDirectory

    state = StateDirectory()
    arn = state.resolve(target)
    if arn is None:
        raise UsageError(f"no execution {target!r} in {state.root}/")
    try:
        return dead_letters.redrive(state, arn)
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _eval(args: argparse.Namespace) -> int:
    from docpipe.evaluation.labelled import read_labels
    from docpipe.evaluation.report import RunInfo
    from docpipe.evaluation.run import measure
    from docpipe.runner import expand_paths
    from docpipe.state import StateDirectory
    from tasks.shared.providers.local import PROVIDER_MODEL

    labels_csv = Path(args.labels).resolve()
    files = [file for file in expand_paths(args.paths) if file.path.resolve() != labels_csv]
    labelled = read_labels(args.labels, [file.path for file in files])
    for path in labelled.unlabelled:
        print(f"docpipe eval: {path} has no label in {args.labels}: left out", file=sys.stderr)
    by_path = {file.path: file for file in files}
    chosen = [by_path[entry.path] for entry in labelled.files]
    if not chosen:
        raise UsageError(f"no labelled file among the paths given ({args.labels})")
    extra = {}
    if args.provider:
        extra["DOCPIPE_MODEL_PROVIDER"] = args.provider
    if args.label_config:
        extra["DOCPIPE_LABELS_FILE"] = str(Path(args.label_config).resolve())
    provider = args.provider or os.environ.get("DOCPIPE_MODEL_PROVIDER", "local")
    model = (
        PROVIDER_MODEL
        if provider == "local"
        else os.environ.get("DOCPIPE_MODEL_ID", "amazon.nova-micro-v1:0")
    )
    results = _run(
        chosen,
        as_json=args.json,
        concurrency=None,
        timeout=max(900.0, 30.0 * len(chosen)),
        quiet=args.quiet,
        extra_env=extra or None,
    )
    run = RunInfo(
        args.set_name or Path(args.labels).parent.name,
        args.split or Path(args.labels).stem,
        provider,
        model,
    )
    evaluation = measure(
        results,
        labelled,
        StateDirectory(),
        run=run,
        labels_file=extra.get("DOCPIPE_LABELS_FILE") or os.environ.get("DOCPIPE_LABELS_FILE"),
        report=Path(args.report) if args.report else None,
        baseline=Path(args.baseline) if args.baseline else None,
    )
    if args.json:
        _print_json(evaluation.data)
    else:
        data = evaluation.data
        print(
            f"{data['document_count']} documents: accuracy {_figure(data['accuracy'])}, "
            f"macro-F1 {_figure(data['macro_f1'])}, ECE {_figure(data['ece'])}, "
            f"other {_figure(data['other_share'])}, review {_figure(data['review_share'])}, "
            f"failed {data['failed']}"
        )
    print(f"report: {evaluation.report} (figures: {evaluation.sidecar})", file=sys.stderr)
    return EXIT_OK


def _figure(value: float | None) -> str:
    return "-" if value is None else f"{value:.3f}"


def _serve(port: int) -> int:
    from docpipe.console.server import open_console
    from docpipe.state import StateDirectory

    state = StateDirectory()
    try:
        console = open_console(state, port)
    except OSError as exc:
        raise UsageError(f"cannot serve on 127.0.0.1:{port}: {exc.strerror or exc}") from exc
    print(f"docpipe console on {console.url} (state: {state.root}/); Ctrl-C stops it", flush=True)
    try:
        console.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        console.stop()
    return EXIT_OK


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the `docpipe` command; returns the exit code."""
    args = _parser().parse_args(argv)
    try:
        if args.command == "demo":
            return _demo(args.json, args.quiet)
        if args.command == "serve":
            return _serve(args.port)
        if args.command == "eval":
            return _eval(args)
        if args.command == "trace":
            return _trace(
                args.target, as_json=args.json, full=args.full, stack_name=_deployed_stack(args)
            )
        if args.command == "results":
            return _results(as_json=args.json, stack_name=_deployed_stack(args))
        if args.command == "status":
            return _status(args.url, as_json=args.json, stack_name=_deployed_stack(args))
        if args.command == "graph":
            return _graph(args.target, args.format, args.output, _deployed_stack(args))
        if args.command == "redrive":
            return _redrive(args.target, as_json=args.json, stack_name=_deployed_stack(args))
        if args.command == "smoke":
            return _smoke(args)
        if args.command == "backfill":
            return _backfill(args)
        if args.command == "dlq":
            return _dlq(
                args.action,
                args.letter,
                every=args.all,
                as_json=args.json,
                stack_name=_deployed_stack(args),
            )
        from docpipe.runner import expand_paths

        files = expand_paths(args.paths)
        if args.command == "extract":
            return _extract(files, as_json=args.json)
        results = _run(
            files,
            as_json=args.json,
            concurrency=args.concurrency,
            timeout=args.timeout,
            quiet=args.quiet,
        )
        _report(results, as_json=args.json)
    except (UsageError, EngineError) as exc:
        # EngineError here is set-up the user can fix (e.g. no Converse endpoint offline).
        print(f"docpipe: {exc}", file=sys.stderr)
        return EXIT_USAGE
    return _exit_code(results)


if __name__ == "__main__":
    sys.exit(main())
