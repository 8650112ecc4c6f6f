"""The errors of the `docpipe` command and its engine, importable without the engine (so
`docpipe --help` and `--version` answer without loading moto)."""

from __future__ import annotations


class UsageError(ValueError):
    """Bad command-line input (exit code 2)."""


class EngineError(RuntimeError):
    """The offline engine itself failed (not a document): a bug or a broken environment."""
