"""Typed values passed between the task logic, the storage layer and the model providers."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class DocumentRef:
    """The small facts about a document that travel in the state machine's state."""

    id: str
    bucket: str
    key: str
    etag: str
    size: int
    version_id: str | None = None

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DocumentRef:
        """Build from the `document` object the ASL's Identify Document state creates."""
        return cls(
            id=str(data["id"]),
            bucket=str(data["bucket"]),
            key=str(data["key"]),
            etag=str(data.get("etag", "")),
            size=int(data.get("size", 0)),
            version_id=str(data["version_id"]) if data.get("version_id") else None,
        )


@dataclass(frozen=True)
class Page:
    """The text of one page (or slide, sheet) and its 1-based number."""

    number: int
    text: str


@dataclass(frozen=True)
class Passage:
    """A piece of text to summarize, with the page range it comes from (1-based, inclusive)."""

    text: str
    page_start: int
    page_end: int


@dataclass(frozen=True)
class KeyPoint:
    """One point of a summary and the page range it cites."""

    text: str
    page_start: int
    page_end: int


@dataclass
class TokenUsage:
    """Model token usage of one call or summed over several.

    `input_tokens` are the uncached input tokens billed at the full rate; prompt-cache reads
    and writes are counted apart, as Bedrock reports and bills them.
    """

    input_tokens: int = 0
    output_tokens: int = 0
    calls: int = 0
    cache_read_input_tokens: int = 0
    cache_write_input_tokens: int = 0
    # Tokens of calls answered by a Bedrock batch inference job (the batch lane), billed at
    # the batch price; not counted in the fields above.
    batch_input_tokens: int = 0
    batch_output_tokens: int = 0

    def add(self, other: TokenUsage) -> None:
        """Add another usage into this one."""
        self.input_tokens += other.input_tokens
        self.output_tokens += other.output_tokens
        self.calls += other.calls
        self.cache_read_input_tokens += other.cache_read_input_tokens
        self.cache_write_input_tokens += other.cache_write_input_tokens
        self.batch_input_tokens += other.batch_input_tokens
        self.batch_output_tokens += other.batch_output_tokens

    @property
    def billed_input_tokens(self) -> int:
        """Every input token the model was sent: full-rate, cache reads and writes, batch."""
        return (
            self.input_tokens
            + self.cache_read_input_tokens
            + self.cache_write_input_tokens
            + self.batch_input_tokens
        )

    def to_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> TokenUsage:
        data = data or {}
        return cls(
            input_tokens=int(data.get("input_tokens", 0)),
            output_tokens=int(data.get("output_tokens", 0)),
            calls=int(data.get("calls", 0)),
            cache_read_input_tokens=int(data.get("cache_read_input_tokens", 0)),
            cache_write_input_tokens=int(data.get("cache_write_input_tokens", 0)),
            batch_input_tokens=int(data.get("batch_input_tokens", 0)),
            batch_output_tokens=int(data.get("batch_output_tokens", 0)),
        )


@dataclass
class Summary:
    """A summary: readable text plus the key points with their page citations."""

    text: str
    points: list[KeyPoint]
    usage: TokenUsage = field(default_factory=TokenUsage)
    model: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "text": self.text,
            "points": [asdict(p) for p in self.points],
            "usage": self.usage.to_dict(),
            "model": self.model,
        }

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Summary:
        return cls(
            text=str(data["text"]),
            points=[KeyPoint(**p) for p in data.get("points", [])],
            usage=TokenUsage.from_dict(data.get("usage")),
            model=str(data.get("model", "")),
        )


@dataclass(frozen=True)
class Label:
    """A classification label and the description the model matches against."""

    name: str
    description: str


@dataclass(frozen=True)
class LabelSet:
    """The configured labels, the fallback label and the review threshold."""

    labels: tuple[Label, ...]
    fallback: str
    review_threshold: float
    fallback_threshold: float

    @property
    def names(self) -> tuple[str, ...]:
        return (*tuple(label.name for label in self.labels), self.fallback)


@dataclass
class Classification:
    """The category (always one of the configured names), its confidence in [0, 1], all scores."""

    category: str
    confidence: float
    scores: dict[str, float]
    usage: TokenUsage = field(default_factory=TokenUsage)
    model: str = ""
