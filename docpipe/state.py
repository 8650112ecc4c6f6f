"""The offline state directory: what a run leaves for later commands to read.

The emulated account lives in one process; `docpipe trace`, `results`, `dlq` and the
console run in others. At the end of every run the engine's account is written to the
state directory (`DOCPIPE_HOME`, default `.docpipe/` in the working directory), merged with
what earlier runs left:

    executions/<name>.json        DescribeExecution and GetExecutionHistory, as the API answers
    records/<document id>.json    the documents table's item, as plain JSON
    objects/<bucket>/<key>        uploaded documents, artifacts and results
    dead-letters/<id>.json        the pipeline's dead-letter queue: {"id", "body", "attributes"}
    notifications.jsonl           the completion topic's messages, one per line

Later commands read executions back through `OfflineStepFunctions`, which answers the same
Step Functions calls boto3 makes against AWS, so one code path serves both.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from boto3.dynamodb.types import TypeDeserializer

HOME_ENV = "DOCPIPE_HOME"
DEFAULT_HOME = ".docpipe"
_DESERIALIZER = TypeDeserializer()


def home() -> Path:
    """The state directory: `DOCPIPE_HOME`, or `.docpipe/` in the working directory."""
    return Path(os.environ.get(HOME_ENV) or DEFAULT_HOME)


def _json_default(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.isoformat()
    if hasattr(value, "read"):  # a streaming body
        return None
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, set):
        return sorted(value)
    return str(value)


def _plain(value: Any) -> Any:
    """DynamoDB's Decimal numbers as int or float."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if hasattr(value, "as_integer_ratio") and not isinstance(value, (int, float)):
        number = float(value)
        return int(number) if number.is_integer() else number
    return value


def plain_item(item: dict[str, Any]) -> dict[str, Any]:
    """A DynamoDB item as boto3's client returns it (typed attribute values) as plain JSON:
    what the state directory keeps of a record, and what `--aws` reads from the table."""
    return {k: _plain(_DESERIALIZER.deserialize(v)) for k, v in item.items()}


def _dates(value: Any, keys: tuple[str, ...]) -> Any:
    """`value` with the ISO strings under `keys` turned back into datetimes."""
    if isinstance(value, dict):
        return {
            k: datetime.datetime.fromisoformat(v)
            if k in keys and isinstance(v, str)
            else _dates(v, keys)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [_dates(v, keys) for v in value]
    return value


_DATE_KEYS = ("startDate", "stopDate", "timestamp", "redriveDate")


@dataclass(frozen=True)
class DeadLetter:
    """One message of the pipeline's dead-letter queue, kept in the state directory."""

    id: str
    body: dict[str, Any]
    attributes: dict[str, Any]

    @property
    def error(self) -> str:
        """The error name the letter carries (a status change: its status or error)."""
        error = self.body.get("error")
        if isinstance(error, dict) and error.get("Error"):
            return str(error["Error"])
        detail = self.body.get("detail") or {}
        return str(detail.get("error") or detail.get("status") or "unknown")

    @property
    def key(self) -> str | None:
        """The object key of the document the letter is about."""
        document = self.body.get("document") or {}
        if document.get("key"):
            return str(document["key"])
        event = self.body.get("event") or self.body
        if "detail" in event and "input" in (event.get("detail") or {}):
            try:
                event = json.loads(event["detail"]["input"])
            except (TypeError, json.JSONDecodeError):
                return None
        obj = (event.get("detail") or {}).get("object") or {}
        return str(obj["key"]) if obj.get("key") else None


class StateDirectory:
    """Reads and writes the state directory at `root`."""

    def __init__(self, root: Path | None = None) -> None:
        self.root = root or home()

    # -- writing -------------------------------------------------------------------------------

    def save_execution(self, described: dict[str, Any], history: list[dict[str, Any]]) -> None:
        self._write_json(
            self.root / "executions" / f"{described['name']}.json",
            {"execution": described, "history": history},
        )

    def save_record(self, item: dict[str, Any]) -> None:
        plain = plain_item(item)
        self._write_json(self.root / "records" / f"{_safe(plain['document_id'])}.json", plain)

    def save_object(
        self, bucket: str, key: str, body: bytes, version_id: str | None = None
    ) -> None:
        path = self.root / "objects" / bucket / key
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(body)
        if version_id:
            versions = self.versions(bucket)
            versions[key] = version_id
            self._write_json(self.root / "objects" / f"{bucket}.versions.json", versions)

    def versions(self, bucket: str) -> dict[str, str]:
        """The version id each kept object of `bucket` had (its latest)."""
        path = self.root / "objects" / f"{bucket}.versions.json"
        return dict(self._read(path, dates=False)) if path.is_file() else {}

    def save_dead_letter(self, body: dict[str, Any], attributes: dict[str, Any]) -> DeadLetter:
        text = json.dumps(body, sort_keys=True, default=_json_default)
        letter = DeadLetter(hashlib.sha256(text.encode()).hexdigest()[:16], body, attributes)
        self._write_json(
            self.root / "dead-letters" / f"{letter.id}.json",
            {"id": letter.id, "body": body, "attributes": attributes},
        )
        return letter

    def save_notification(self, notification: dict[str, Any]) -> None:
        path = self.root / "notifications.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(notification, default=_json_default, ensure_ascii=False) + "\n")

    def save_run(self, results: list[dict[str, Any]]) -> None:
        """Remember which file ran as which execution (`docpipe trace FILE`)."""
        path = self.root / "runs.jsonl"
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as out:
            for result in results:
                kept = {k: result.get(k) for k in ("file", "document_id", "execution_arn")}
                kept["path"] = str(Path(str(result["file"])).resolve())
                out.write(json.dumps(kept, ensure_ascii=False) + "\n")

    def remove_dead_letter(self, letter_id: str) -> None:
        (self.root / "dead-letters" / f"{letter_id}.json").unlink(missing_ok=True)

    # -- reading -------------------------------------------------------------------------------

    def executions(self) -> list[dict[str, Any]]:
        """Every execution kept: {"execution": describe, "history": events}, newest first."""
        kept = [self._read(path) for path in (self.root / "executions").glob("*.json")]
        return sorted(kept, key=lambda e: e["execution"]["startDate"], reverse=True)

    def execution(self, name: str) -> dict[str, Any] | None:
        path = self.root / "executions" / f"{name}.json"
        return self._read(path) if path.is_file() else None

    def records(self) -> list[dict[str, Any]]:
        return [self._read(p, dates=False) for p in sorted((self.root / "records").glob("*.json"))]

    def record(self, document_id: str) -> dict[str, Any] | None:
        path = self.root / "records" / f"{_safe(document_id)}.json"
        return self._read(path, dates=False) if path.is_file() else None

    def object(self, bucket: str, key: str) -> bytes | None:
        path = self.root / "objects" / bucket / key
        return path.read_bytes() if path.is_file() else None

    def objects(self, bucket: str, prefix: str = "") -> Iterator[tuple[str, bytes]]:
        """The kept objects of `bucket` whose keys start with the folder `prefix`."""
        base = self.root / "objects" / bucket
        folder = base / prefix if prefix else base
        for path in sorted(folder.rglob("*")) if folder.is_dir() else []:
            if path.is_file():
                yield path.relative_to(base).as_posix(), path.read_bytes()

    def dead_letters(self) -> list[DeadLetter]:
        letters = [
            self._read(p, dates=False) for p in sorted((self.root / "dead-letters").glob("*.json"))
        ]
        return [DeadLetter(d["id"], d["body"], d.get("attributes", {})) for d in letters]

    def notifications(self) -> list[dict[str, Any]]:
        path = self.root / "notifications.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def runs(self) -> list[dict[str, Any]]:
        """Every file run so far: {"file", "path", "document_id", "execution_arn"}, oldest first."""
        path = self.root / "runs.jsonl"
        if not path.is_file():
            return []
        return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]

    def resolve(self, target: str) -> str | None:
        """The ARN of the execution `target` names: an execution name or ARN, a document id,
        or a file run before (its latest run), by its path or its bare name."""
        if target.startswith("arn:"):
            return target if self.execution(target.rsplit(":", 1)[-1]) else None
        kept = self.execution(target)
        if kept is not None:
            return str(kept["execution"]["executionArn"])
        record = self.record(target)
        if record is not None and record.get("execution_arn"):
            return str(record["execution_arn"])
        wanted = str(Path(target).resolve())
        runs = list(reversed(self.runs()))
        for run in runs:
            if run["path"] == wanted or run["file"] == target:
                return str(run["execution_arn"])
        # A bare file name: the latest run of a file of that name (the demo's files too)
        for run in runs:
            if Path(run["file"]).name == target:
                return str(run["execution_arn"])
        return None

    def _read(self, path: Path, *, dates: bool = True) -> Any:
        value = json.loads(path.read_text(encoding="utf-8"))
        return _dates(value, _DATE_KEYS) if dates else value

    def _write_json(self, path: Path, value: Any) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".tmp")
        temporary.write_text(
            json.dumps(value, default=_json_default, ensure_ascii=False, indent=1), encoding="utf-8"
        )
        temporary.replace(path)


def _safe(name: str) -> str:
    return name.replace("/", "_").replace(":", "_")


class OfflineStepFunctions:
    """The Step Functions calls the console and `trace` make, answered from the state
    directory in boto3's shapes (datetimes included), as boto3 answers them from AWS."""

    def __init__(self, state: StateDirectory) -> None:
        self._state = state

    def list_executions(self, **kwargs: Any) -> dict[str, Any]:
        status = kwargs.get("statusFilter")
        listed = [
            {
                k: e["execution"].get(k)
                for k in (
                    "executionArn",
                    "stateMachineArn",
                    "name",
                    "status",
                    "startDate",
                    "stopDate",
                )
            }
            for e in self._state.executions()
            if status is None or e["execution"]["status"] == status
        ]
        return {"executions": listed}

    def describe_execution(self, **kwargs: Any) -> dict[str, Any]:
        kept = self._state.execution(str(kwargs["executionArn"]).rsplit(":", 1)[-1])
        if kept is None:
            raise ExecutionDoesNotExist(kwargs["executionArn"])
        described: dict[str, Any] = kept["execution"]
        return described

    def get_execution_history(self, **kwargs: Any) -> dict[str, Any]:
        kept = self._state.execution(str(kwargs["executionArn"]).rsplit(":", 1)[-1])
        if kept is None:
            raise ExecutionDoesNotExist(kwargs["executionArn"])
        events: list[dict[str, Any]] = kept["history"]
        if kwargs.get("reverseOrder"):
            events = list(reversed(events))
        # Paged as the API pages it: `maxResults` events, then a `nextToken` to go on.
        start = int(kwargs.get("nextToken") or 0)
        size = int(kwargs.get("maxResults") or 0) or len(events)
        page: dict[str, Any] = {"events": events[start : start + size]}
        if start + size < len(events):
            page["nextToken"] = str(start + size)
        return page


class ExecutionDoesNotExist(LookupError):
    """The state directory keeps no execution of that ARN."""
