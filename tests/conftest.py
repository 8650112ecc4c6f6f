"""Every test keeps its offline state (docpipe/state.py) in a directory of its own."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def state_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    home = tmp_path / "docpipe-home"
    monkeypatch.setenv("DOCPIPE_HOME", str(home))
    return home
