"""What the console's pages show, as JSON: the execution list, an execution (trace, graph,
history), a document (pages → chunks → partial summaries → summary → category), the dead
letters.

Executions are read through the Step Functions API (`list_executions`,
`describe_execution`, `get_execution_history`), answered offline by the state directory's
OfflineStepFunctions and on AWS by boto3, so each page means the same either way.
"""

from __future__ import annotations

import datetime
import json
from collections.abc import Mapping
from typing import Any

from docpipe import dead_letters
from docpipe.graph import svg
from docpipe.state import OfflineStepFunctions, StateDirectory
from docpipe.trace import readable_cause, trace
from tasks.shared.execution_names import document_id
from tasks.shared.storage import ARTIFACTS_PREFIX, summary_key, text_key

# Characters of a page, chunk or partial summary the document page shows.
EXCERPT = 1200
HISTORY_PAGE = 25


def _iso(moment: Any) -> str | None:
    return moment.isoformat(timespec="milliseconds") if moment else None


def _seconds(start: Any, stop: Any) -> float | None:
    if isinstance(start, datetime.datetime) and isinstance(stop, datetime.datetime):
        return round((stop - start).total_seconds(), 3)
    return None


def _excerpt(text: Any) -> str:
    value = str(text or "")
    return value if len(value) <= EXCERPT else value[:EXCERPT] + " …"


def _document_of(described: Mapping[str, Any]) -> dict[str, str | None]:
    """The document an execution is about, from its input (the S3 upload event)."""
    try:
        detail = json.loads(described.get("input") or "{}").get("detail") or {}
    except json.JSONDecodeError:
        detail = {}
    obj, bucket = detail.get("object") or {}, (detail.get("bucket") or {}).get("name")
    key, version = obj.get("key"), obj.get("version-id")
    identity = document_id(bucket, key, version) if bucket and key and version else None
    return {"bucket": bucket, "key": key, "document_id": identity}


def _error_of(record: Mapping[str, Any]) -> dict[str, str] | None:
    """A failed record's error name and its readable message."""
    if not record.get("error_type"):
        return None
    try:
        detail = json.loads(str(record.get("error_detail") or "{}"))
    except json.JSONDecodeError:
        detail = {}
    cause = detail.get("Cause") if isinstance(detail, dict) else None
    return {"type": str(record["error_type"]), "message": readable_cause(cause)}


class ConsoleViews:
    """The console's data, read from `state` (and through `sfn`, Step Functions' API)."""

    def __init__(self, state: StateDirectory, asl: Mapping[str, Any]) -> None:
        self.state = state
        self.sfn = OfflineStepFunctions(state)
        self.asl = asl

    def executions(
        self, status: str | None = None, query: str | None = None
    ) -> list[dict[str, Any]]:
        """The list page: newest first, filtered by status and by a key substring."""
        listed = self.sfn.list_executions(**({"statusFilter": status} if status else {}))
        rows = []
        for entry in listed["executions"]:
            described = self.sfn.describe_execution(executionArn=entry["executionArn"])
            document = _document_of(described)
            if query and query.lower() not in str(document["key"] or "").lower():
                continue
            rows.append(
                {
                    "name": entry["name"],
                    "arn": entry["executionArn"],
                    "status": entry["status"],
                    "key": document["key"],
                    "document_id": document["document_id"],
                    "started": _iso(entry.get("startDate")),
                    "duration_s": _seconds(entry.get("startDate"), entry.get("stopDate")),
                }
            )
        return rows

    def execution(self, name: str) -> dict[str, Any] | None:
        """The execution page: its trace (timeline, retries, step inputs and outputs) and
        the workflow graph coloured by it."""
        arn = self.state.resolve(name)
        if arn is None:
            return None
        traced = trace(self.sfn, arn, full=True)
        if traced.get("cause"):
            traced["cause"] = readable_cause(traced["cause"])
        described = self.sfn.describe_execution(executionArn=arn)
        return {
            "trace": traced,
            "graph": svg(self.asl, traced),
            "document": _document_of(described),
            "history_events": len(self.sfn.get_execution_history(executionArn=arn)["events"]),
        }

    def history(self, name: str, page: int = 1, size: int = HISTORY_PAGE) -> dict[str, Any] | None:
        """One page of the execution's event history, as GetExecutionHistory pages it."""
        arn = self.state.resolve(name)
        if arn is None:
            return None
        token: str | None = None
        for _ in range(max(1, page)):
            answer = self.sfn.get_execution_history(
                executionArn=arn, maxResults=size, **({"nextToken": token} if token else {})
            )
            events, token = answer["events"], answer.get("nextToken")
            if token is None:
                break
        rows = []
        for event in events:
            details = next(
                (v for k, v in event.items() if k.endswith("EventDetails") and isinstance(v, dict)),
                {},
            )
            rows.append(
                {
                    "id": event["id"],
                    "previous": event.get("previousEventId"),
                    "type": event["type"],
                    "timestamp": _iso(event.get("timestamp")),
                    "step": details.get("name") or details.get("resource"),
                    "error": details.get("error"),
                    "details": json.dumps(details, default=str)[:600],
                }
            )
        return {"page": page, "size": size, "events": rows, "more": token is not None}

    def document(self, identity: str) -> dict[str, Any] | None:
        """The document page: what each step made of the document, read from its artifacts."""
        record = self.state.record(identity)
        if record is None:
            return None
        bucket = str(record.get("bucket") or "")
        result = self._json(bucket, record.get("result_key")) or {}
        base = f"{ARTIFACTS_PREFIX}{identity}"
        text = self._json(bucket, text_key(identity)) or {}
        chunks = self._folder(bucket, f"{base}/chunks/")
        partials = self._folder(bucket, f"{base}/summaries/")
        final = self._json(bucket, summary_key(identity)) or {}
        executions = [row for row in self.executions() if row["document_id"] == identity]
        return {
            "record": record,
            "error": _error_of(record),
            "media_type": text.get("media_type") or result.get("media_type"),
            "extractor": text.get("extractor"),
            "language": text.get("language"),
            "ocr_pages": text.get("ocr_pages") or [],
            "pages": [
                {"number": p.get("number"), "text": _excerpt(p.get("text"))}
                for p in text.get("pages") or []
            ],
            "chunks": [
                {
                    "index": c.get("index"),
                    "pages": [c.get("page_start"), c.get("page_end")],
                    "tokens": c.get("tokens"),
                    "text": _excerpt(c.get("text")),
                }
                for c in chunks
            ],
            "partial_summaries": [
                {"index": i, "text": _excerpt(p.get("text")), "points": p.get("points") or []}
                for i, p in enumerate(partials)
            ],
            "summary": result.get("summary") or final.get("text"),
            "key_points": result.get("key_points") or final.get("points") or [],
            "category": result.get("category") or record.get("category"),
            "confidence": result.get("confidence", record.get("confidence")),
            "review_required": result.get("review_required", record.get("review_required")),
            "scores": result.get("scores") or {},
            "usage": result.get("usage") or {},
            "cost": result.get("cost") or {},
            "model": result.get("model"),
            "executions": executions,
        }

    def dead_letters(self) -> list[dict[str, Any]]:
        """The dead-letter page: each letter's summary and its whole body."""
        return [
            {**dead_letters.summary(letter), "body": letter.body}
            for letter in self.state.dead_letters()
        ]

    def _json(self, bucket: str, key: Any) -> Any:
        body = self.state.object(bucket, str(key)) if key else None
        return json.loads(body) if body else None

    def _folder(self, bucket: str, prefix: str) -> list[Any]:
        return [
            json.loads(body)
            for key, body in self.state.objects(bucket, prefix)
            if key.endswith(".json")
        ]
