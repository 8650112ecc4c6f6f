"""Outlook MSG (an OLE2 compound file): the main headers, the body and attachment names.

The only maintained MSG reader, extract-msg, is GPL-licensed, which the Lambda bundle cannot
take; olefile (BSD) reads the compound file and the few properties needed are read here.
An MSG keeps each variable-length property in a stream named "__substg1.0_" + the property
id (4 hex digits) + its type: 001F is UTF-16-LE text, 001E 8-bit text, 0102 binary.
Fixed-size properties (the dates) sit in 16-byte records of "__properties_version1.0".
Reference: [MS-OXMSG] 2.1 and 2.4, [MS-OXPROPS].
"""

from __future__ import annotations

import datetime
import io
import struct
from collections.abc import Mapping

import olefile

from tasks.extract_text import html, plain
from tasks.extract_text.common import (
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    require_text,
)
from tasks.shared.errors import CorruptDocumentError, UnsupportedDocumentError

EXTRACTOR = "olefile"
KIND = "Outlook message"
MEDIA_TYPE_MSG = "application/vnd.ms-outlook"

STRING_PREFIX = "__substg1.0_"
PROPERTIES_STREAM = "__properties_version1.0"
ATTACHMENT_PREFIX = "__attach_version1.0_#"
_UNICODE, _STRING8, _BINARY = "001F", "001E", "0102"

_SUBJECT = "0037"
_SENDER_NAME = "0C1A"
_SENDER_ADDRESS = "0C1F"
_SENT_REPRESENTING_ADDRESS = "0065"
_DISPLAY_TO = "0E04"
_DISPLAY_CC = "0E03"
_BODY = "1000"
_HTML_BODY = "1013"
_ATTACH_LONG_FILENAME = "3707"
_ATTACH_FILENAME = "3704"
_DISPLAY_NAME = "3001"
_MESSAGE_STRINGS = (
    _SUBJECT,
    _SENDER_NAME,
    _SENDER_ADDRESS,
    _SENT_REPRESENTING_ADDRESS,
    _DISPLAY_TO,
    _DISPLAY_CC,
    _BODY,
)
_ATTACHMENT_STRINGS = (_ATTACH_LONG_FILENAME, _ATTACH_FILENAME, _DISPLAY_NAME)
# PidTagClientSubmitTime, else PidTagMessageDeliveryTime: PtypTime (0x0040), a FILETIME.
_DATE_TAGS = (0x00390040, 0x0E060040)
# The top-level message's property stream starts with a 32-byte header.
_PROPERTIES_HEADER_BYTES = 32
_PROPERTY_RECORD = struct.Struct("<IIQ")
_FILETIME_EPOCH = datetime.datetime(1601, 1, 1, tzinfo=datetime.UTC)

# olefile reports a damaged compound file with OSError and, from deeper down, these.
_OLE_ERRORS: tuple[type[Exception], ...] = (OSError, ValueError, IndexError, struct.error)


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Extract an Outlook message as one page: headers, body, attachment names.

    Raises:
        CorruptDocumentError: the compound file cannot be read.
        DocumentTooLargeError: more characters than `limits` allow.
        EmptyDocumentError: no property has any text.
    """
    try:
        streams = _read_streams(data)
    except _OLE_ERRORS as error:
        raise CorruptDocumentError(
            f"The Outlook message is a damaged OLE2 compound file ({error})."
        ) from error
    pages = PageAccumulator(limits, KIND)
    pages.add(message_text(streams))
    return require_text(ExtractedText(MEDIA_TYPE_MSG, pages.pages, EXTRACTOR, None), KIND)


def _read_streams(data: bytes) -> dict[str, bytes]:
    """The streams `message_text` reads, by their path in the compound file."""
    wanted = {
        STRING_PREFIX + tag + kind for tag in _MESSAGE_STRINGS for kind in (_UNICODE, _STRING8)
    }
    wanted |= {STRING_PREFIX + _HTML_BODY + _BINARY, PROPERTIES_STREAM}
    attachment_names = {
        STRING_PREFIX + tag + kind for tag in _ATTACHMENT_STRINGS for kind in (_UNICODE, _STRING8)
    }
    streams: dict[str, bytes] = {}
    with olefile.OleFileIO(io.BytesIO(data)) as ole:
        for path in ole.listdir(streams=True, storages=False):
            name = "/".join(path)
            top_level = len(path) == 1 and name in wanted
            attachment = (
                len(path) == 2
                and path[0].startswith(ATTACHMENT_PREFIX)
                and path[1] in attachment_names
            )
            if top_level or attachment:
                streams[name] = ole.openstream(path).read()
    return streams


def message_text(streams: Mapping[str, bytes]) -> str:
    """Render an MSG's properties, given its streams by path ("storage/stream").

    From, To, Cc, Date and Subject lines, a blank line, the plain body (or the HTML body as
    text), and a line naming the attachments.
    """
    sender = _string(streams, _SENDER_NAME)
    address = next(
        (
            value
            for value in (
                _string(streams, _SENDER_ADDRESS),
                _string(streams, _SENT_REPRESENTING_ADDRESS),
            )
            if "@" in value  # An Exchange-internal (X.500) address says nothing to a reader.
        ),
        "",
    )
    if address and address != sender:
        sender = f"{sender} <{address}>" if sender else address
    headers = (
        ("From", sender),
        ("To", _string(streams, _DISPLAY_TO)),
        ("Cc", _string(streams, _DISPLAY_CC)),
        ("Date", _date(streams.get(PROPERTIES_STREAM, b""))),
        ("Subject", _string(streams, _SUBJECT)),
    )
    blocks = ["\n".join(f"{name}: {value}" for name, value in headers if value)]
    body = _string(streams, _BODY, single_line=False)
    if not body.strip():
        markup = streams.get(STRING_PREFIX + _HTML_BODY + _BINARY)
        if markup:
            body = html.visible_text(_html_markup(markup))
    blocks.append(body)
    attachments = _attachment_names(streams)
    if attachments:
        blocks.append("Attachments: " + ", ".join(attachments))
    return "\n\n".join(block for block in blocks if block.strip())


def _string(
    streams: Mapping[str, bytes], tag: str, storage: str = "", *, single_line: bool = True
) -> str:
    prefix = f"{storage}/" if storage else ""
    raw = streams.get(prefix + STRING_PREFIX + tag + _UNICODE)
    if raw is not None:
        text = raw[: len(raw) - len(raw) % 2].decode("utf-16-le", errors="replace")
    else:
        raw = streams.get(prefix + STRING_PREFIX + tag + _STRING8)
        text = "" if raw is None else _decode_8bit(raw)
    text = text.rstrip("\x00")
    return " ".join(text.split()) if single_line else text


def _decode_8bit(raw: bytes) -> str:
    # The code page is a property of its own; sniffing is simpler and as good for text.
    try:
        return plain.decode(raw)[0] if raw.strip(b"\x00") else ""
    except UnsupportedDocumentError:
        return raw.decode("cp1252", errors="replace")


def _html_markup(raw: bytes) -> str:
    try:
        return html.decode(raw)[0]
    except UnsupportedDocumentError:
        return raw.decode("utf-8", errors="replace")


def _date(properties: bytes) -> str:
    found: dict[int, int] = {}
    for offset in range(
        _PROPERTIES_HEADER_BYTES, len(properties) - _PROPERTY_RECORD.size + 1, _PROPERTY_RECORD.size
    ):
        tag, _flags, value = _PROPERTY_RECORD.unpack_from(properties, offset)
        if tag in _DATE_TAGS:
            found[tag] = value
    for tag in _DATE_TAGS:
        if tag in found:
            try:
                moment = _FILETIME_EPOCH + datetime.timedelta(microseconds=found[tag] // 10)
            except OverflowError:
                continue  # A nonsense value: no date rather than a wrong one.
            return moment.strftime("%a, %d %b %Y %H:%M:%S +0000")
    return ""


def _attachment_names(streams: Mapping[str, bytes]) -> list[str]:
    storages = sorted(
        {name.split("/")[0] for name in streams if name.startswith(ATTACHMENT_PREFIX)}
    )
    names = []
    for storage in storages:
        for tag in _ATTACHMENT_STRINGS:
            name = _string(streams, tag, storage)
            if name:
                names.append(name)
                break
    return names
