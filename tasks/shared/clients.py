"""Process-wide AWS clients, the artifact store and the model provider, created on first use.

Created lazily (never at import) so that tests and the offline engine can set up emulation
first; cached because Lambda reuses warm processes and the offline engine runs many tasks.
"""

from __future__ import annotations

import threading
from functools import lru_cache
from typing import Any

from tasks.shared.errors import ConfigurationError
from tasks.shared.labels import load_labels
from tasks.shared.models import LabelSet
from tasks.shared.providers import ModelProvider, get_provider
from tasks.shared.sessions import new_client
from tasks.shared.sessions import reset as reset_session
from tasks.shared.settings import get_settings
from tasks.shared.storage import ArtifactStore

# Map iterations run on threads offline: the first client of a service is made once, under
# this lock, however many tasks ask for it at the same time.
_lock = threading.Lock()
_clients: dict[str, Any] = {}


def client(service: str) -> Any:
    """A boto3 client for `service`, created once per process."""
    made = _clients.get(service)
    if made is None:
        with _lock:
            made = _clients.get(service)
            if made is None:
                made = _clients[service] = new_client(service)
    return made


def artifact_store() -> ArtifactStore:
    """The artifact store on the configured bucket."""
    bucket = get_settings().artifact_bucket
    if not bucket:
        raise ConfigurationError("DOCPIPE_ARTIFACT_BUCKET is not set")
    return ArtifactStore(client("s3"), bucket)


@lru_cache(maxsize=4)
def model_provider(model_id: str = "") -> ModelProvider:
    """The configured model provider (`DOCPIPE_MODEL_PROVIDER`) on `model_id`, by default
    the configured model (`DOCPIPE_MODEL_ID`); Chunk Text names the budget model instead
    for a document above the token cap."""
    settings = get_settings()
    return get_provider(
        settings.model_provider,
        model_id=model_id or settings.model_id,
        parallel_calls=settings.model_calls_per_document,
    )


@lru_cache(maxsize=1)
def labels() -> LabelSet:
    """The configured classification labels (`DOCPIPE_LABELS_FILE` or the shipped default)."""
    return load_labels(get_settings().labels_file)


def reset() -> None:
    """Forget cached clients, settings and providers (the offline engine calls this on start)."""
    with _lock:
        _clients.clear()
    reset_session()
    model_provider.cache_clear()
    labels.cache_clear()
    get_settings.cache_clear()
