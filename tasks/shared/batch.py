"""The batch lane's request records and response store (tasks/batch_lane runs the lane).

A batch-lane document runs its model work with a `DeferringClient` in place of the Converse
client. Each request is named by the SHA-256 of its canonical JSON (the record id); the
client answers from the response store (`batch_response_key`) and defers a request it does
not find: it keeps the request and raises ModelCallDeferred. Runs of the same document with
the same answers make the same requests, so a document is run again, from the start, each
time answers arrive, and gets further each time, until it makes no request that is not
answered. A request asked by several documents is one record.
"""

from __future__ import annotations

import hashlib
import json
import threading
from dataclasses import dataclass
from typing import Any

from tasks.shared.batch_marks import BATCH_LANE, BATCH_MARK
from tasks.shared.storage import ArtifactStore, batch_response_key

# A Converse response's keys worth keeping (botocore adds ResponseMetadata and the like).
RESPONSE_FIELDS = ("output", "stopReason", "usage", "metrics")
ON_DEMAND = "on_demand"


def record_id(request: dict[str, Any]) -> str:
    """The record id of a Converse request: the SHA-256 of its canonical JSON."""
    canonical = json.dumps(request, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


class ModelCallDeferred(Exception):
    """A model request has no answer yet: the document waits for the batch lane."""

    def __init__(self, record: str) -> None:
        super().__init__(f"model request {record} waits for the batch lane")
        self.record_id = record


@dataclass(frozen=True)
class Deferred:
    """A model request that waits for its answer."""

    record_id: str
    model_id: str
    request: dict[str, Any]  # Converse's request without modelId: a batch record's modelInput


class DeferringClient:
    """A Converse client that answers from the response store and defers the rest."""

    def __init__(self, store: ArtifactStore) -> None:
        self._store = store
        self._lock = threading.Lock()  # the provider combines groups on threads
        self.deferred: dict[str, Deferred] = {}

    def converse(self, **request: Any) -> Any:
        """The stored answer to `request`; ModelCallDeferred when there is none yet."""
        identity = record_id(request)
        answer = self._store.get_json_if_exists(batch_response_key(identity))
        if answer is not None:
            return answer
        model_id = str(request.get("modelId", ""))
        model_input = {k: v for k, v in request.items() if k != "modelId"}
        with self._lock:
            self.deferred[identity] = Deferred(identity, model_id, model_input)
        raise ModelCallDeferred(identity)


def store_answer(store: ArtifactStore, record: str, response: dict[str, Any], *, lane: str) -> None:
    """Keep the answer to request `record`; `lane` (BATCH_LANE or ON_DEMAND) says how it
    was answered, and so at which price its tokens are accounted."""
    kept = {k: response[k] for k in RESPONSE_FIELDS if k in response}
    if lane == BATCH_LANE:
        kept[BATCH_MARK] = BATCH_LANE
    store.put_json(batch_response_key(record), kept)


def has_answer(store: ArtifactStore, record: str) -> bool:
    """Whether the answer to request `record` is stored."""
    return store.get_json_if_exists(batch_response_key(record)) is not None
