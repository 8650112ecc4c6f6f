"""One boto3 session per process, from which every task client is made.

A boto3 session loads botocore's data (endpoints, partitions, each service's model) once and
keeps it: a client from a session that has made one before takes about 5 ms, a client from a
fresh session 50-100 ms. Sessions are not thread-safe while creating clients, and the
offline engine runs Map iterations on threads, so clients are made under a lock. `reset()`
drops the session (the offline engine calls it on start, with its own environment).
"""

from __future__ import annotations

import threading
from typing import Any

import boto3
from botocore.config import Config

_lock = threading.Lock()
_session: boto3.session.Session | None = None


def new_client(service: str, config: Config | None = None) -> Any:
    """A new boto3 client for `service` from the process's session."""
    global _session
    with _lock:
        if _session is None:
            _session = boto3.session.Session()
        return _session.client(service, config=config)


def reset() -> None:
    """Forget the session: the next client reads the environment and botocore's data again."""
    global _session
    with _lock:
        _session = None
