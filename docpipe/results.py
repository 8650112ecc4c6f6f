"""`docpipe results` and `docpipe status`: the documents processed so far, and the records
of one object key, shaped once from document records and their result objects, whether
these come from the state directory or (docpipe/aws.py) from a deployed stack."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from docpipe.errors import UsageError
from docpipe.state import StateDirectory

# Reads an object's bytes (bucket, key), None when there is none.
ObjectReader = Callable[[str, str], bytes | None]
# The status of an execution by its ARN, None when it is not known (any more).
ExecutionStatus = Callable[[str], str | None]


def processed(state: StateDirectory) -> list[dict[str, Any]]:
    """One entry per document record (newest first): status, category, summary, cost."""
    return documents(state.records(), state.object)


def documents(records: Iterable[Mapping[str, Any]], read: ObjectReader) -> list[dict[str, Any]]:
    """One entry per document record of `records` (plain JSON, as the table keeps them),
    newest completion first; its result object read with `read`. Content claims (the
    records of identical bytes) are not documents and are left out."""
    entries = [
        document_entry(record, result_of(record, read))
        for record in records
        if record.get("kind") != "content"
    ]
    return sorted(entries, key=lambda d: str(d["completed_at"] or ""), reverse=True)


def result_of(record: Mapping[str, Any], read: ObjectReader) -> dict[str, Any]:
    """The result JSON a record points at (`result_key`, in the record's bucket), or {}."""
    if not record.get("result_key"):
        return {}
    body = read(str(record["bucket"]), str(record["result_key"]))
    return dict(json.loads(body)) if body else {}


def document_entry(record: Mapping[str, Any], result: Mapping[str, Any]) -> dict[str, Any]:
    """What `results` shows of one document record and its result."""
    cost = result.get("cost") if isinstance(result.get("cost"), dict) else {}
    return {
        "document_id": record["document_id"],
        "key": record.get("object_key"),
        "status": record.get("status"),
        "category": record.get("category"),
        "confidence": record.get("confidence"),
        "review_required": record.get("review_required"),
        "summary": _summary(result),
        "cost_usd": cost.get("usd") if cost else result.get("cost_usd"),
        "error": record.get("error_type"),
        "execution_arn": record.get("execution_arn"),
        "completed_at": record.get("completed_at"),
    }


def _summary(result: Mapping[str, Any]) -> str | None:
    summary = result.get("summary")
    if isinstance(summary, dict):
        return str(summary.get("text") or "") or None
    return str(summary) if summary else None


def render(documents: list[dict[str, Any]]) -> str:
    """A table: status, category, cost, key; the summary's first line under each."""
    if not documents:
        return "No documents yet: run `docpipe run FILE...` first."
    lines = []
    for doc in documents:
        cost = f"${float(doc['cost_usd']):.6f}" if doc["cost_usd"] is not None else "-"
        what = doc["category"] or doc["error"] or ""
        lines.append(f"{doc['status'] or '?':<18} {what:<26} {cost:>11}  {doc['key']}")
        if doc["summary"]:
            lines.append(f"{'':<18} {doc['summary'][:110]}")
    return "\n".join(lines)


# -- docpipe status s3://BUCKET/KEY ---------------------------------------------------------


S3_SCHEME = "s3://"


def parse_s3_url(url: str, *, prefix: bool = False) -> tuple[str, str]:
    """`s3://BUCKET/KEY` as (bucket, key), or with `prefix` `s3://BUCKET/PREFIX` as (bucket,
    prefix), where the prefix may be empty (the whole bucket); anything else is a usage
    error."""
    bucket, _, key = url.removeprefix(S3_SCHEME).partition("/")
    if not url.startswith(S3_SCHEME) or not bucket or not (key or prefix):
        raise UsageError(f"expected s3://BUCKET/{'PREFIX' if prefix else 'KEY'}, got {url!r}")
    return bucket, key


def key_status(
    records: Iterable[Mapping[str, Any]], read: ObjectReader, execution_status: ExecutionStatus
) -> list[dict[str, Any]]:
    """The records of one object key (each version, as last registered), newest registered
    first: the document's entry as `results` shows it, with its version, registration,
    replays, duplicate, and the status of its execution."""
    entries = []
    for record in records:
        arn = record.get("execution_arn")
        entries.append(
            {
                **document_entry(record, result_of(record, read)),
                "bucket": record.get("bucket"),
                "version_id": record.get("version_id"),
                "registered_at": record.get("registered_at"),
                "replays": int(record.get("replays") or 0),
                "duplicate_of": record.get("duplicate_of"),
                "result_key": record.get("result_key"),
                "execution_status": execution_status(str(arn)) if arn else None,
            }
        )
    return sorted(entries, key=lambda e: str(e["registered_at"] or ""), reverse=True)


def status(state: StateDirectory, url: str) -> list[dict[str, Any]]:
    """`docpipe status` offline: the records of the object at `url` in the state directory."""
    bucket, key = parse_s3_url(url)
    records = [
        record
        for record in state.records()
        if record.get("bucket") == bucket and record.get("object_key") == key
    ]

    def execution_status(arn: str) -> str | None:
        kept = state.execution(arn.rsplit(":", 1)[-1])
        return str(kept["execution"]["status"]) if kept else None

    return key_status(records, state.object, execution_status)


def render_status(url: str, entries: list[dict[str, Any]]) -> str:
    """Each record of the key: status, execution, category or error, summary."""
    if not entries:
        return f"No document recorded for {url}."
    lines = [url]
    for entry in entries:
        what = entry["category"] or entry["error"] or ""
        replays = f"  replays: {entry['replays']}" if entry["replays"] else ""
        lines += [
            f"  version {entry['version_id']}  registered {entry['registered_at']}{replays}",
            f"    record:    {entry['status']}  {what}",
            f"    execution: {entry['execution_status'] or 'unknown'}  {entry['execution_arn']}",
        ]
        if entry["duplicate_of"]:
            lines.append(f"    duplicate of document {entry['duplicate_of']}")
        if entry["summary"]:
            lines.append(f"    summary:   {entry['summary'][:110]}")
    return "\n".join(lines)
