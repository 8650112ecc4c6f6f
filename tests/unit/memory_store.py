"""An in-memory stand-in for the artifact store's JSON and bytes calls (the batch lane's
tests)."""

from __future__ import annotations

from typing import Any


class MemoryStore:
    """The part of ArtifactStore the batch lane uses, in memory."""

    bucket = "documents"

    def __init__(self) -> None:
        self.objects: dict[str, Any] = {}

    def get_json_if_exists(self, key: str) -> Any | None:
        return self.objects.get(key)

    def put_json(self, key: str, value: Any) -> None:
        self.objects[key] = value

    def put_bytes(self, key: str, body: bytes, content_type: str) -> None:
        self.objects[key] = body
