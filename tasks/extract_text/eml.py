"""E-mail (RFC 822/MIME): the main headers, the body and the names of the attachments.

The standard library's `email` package with `policy.default` parses the structure and
decodes RFC 2047 headers; real mail is full of damage it records as defects instead of
raising. Bodies are decoded here rather than with `get_content()`, which raises on a
charset Python does not know: a declared charset is tried strictly, and when it is unknown
or wrong the body is sniffed like plain text.
"""

from __future__ import annotations

import codecs
from email import policy
from email.errors import MessageError
from email.message import EmailMessage, Message
from email.parser import BytesParser

from tasks.extract_text import html, plain
from tasks.extract_text.common import (
    ExtractedText,
    ExtractionLimits,
    PageAccumulator,
    require_text,
)
from tasks.shared.errors import (
    CorruptDocumentError,
    EncryptedDocumentError,
    UnsupportedDocumentError,
)

EXTRACTOR = "email"
KIND = "e-mail message"
MEDIA_TYPE_EMAIL = "message/rfc822"
HEADERS = ("From", "To", "Cc", "Date", "Subject")

# S/MIME enveloped data and PGP/MIME: the body can only be read with the recipient's key.
_ENCRYPTED_TYPES = frozenset(
    {"application/pkcs7-mime", "application/x-pkcs7-mime", "multipart/encrypted"}
)
_OPAQUE_SIGNED = "signed-data"
# Header values that the structured parser of policy.default cannot make sense of raise
# from deep inside it; the raw value is shown instead.
_HEADER_ERRORS: tuple[type[Exception], ...] = (
    MessageError,
    ValueError,
    IndexError,
    LookupError,
    RecursionError,  # comments nested in comments, thousands deep
)
# A header value longer than this is shown raw and cut: the structured parser takes minutes
# and gigabytes over a To: line of a hundred thousand addresses.
_LONG_HEADER_CHARACTERS = 8192


def extract(data: bytes, limits: ExtractionLimits) -> ExtractedText:
    """Extract a mail message as one page: headers, body (text, or HTML as text), attachments.

    Raises:
        EncryptedDocumentError: the body is S/MIME- or PGP-encrypted.
        UnsupportedDocumentError: an opaque-signed S/MIME body, or a body that is not text.
        DocumentTooLargeError: more characters than `limits` allow.
        EmptyDocumentError: no header, body or attachment has any text.
    """
    if data.startswith(b"From "):
        data = data.partition(b"\n")[2]  # The mbox separator line is not a header.
    try:
        message = BytesParser(policy=policy.default).parsebytes(data)
        _refuse_encrypted(message)
        blocks = [_headers_text(message)]
        body = _body(message)
        if body is not None:
            blocks.append(_part_text(body))
        attachments = _attachment_names(message, body)
    except RecursionError as error:
        # The parser and walk() descend one level per attached message or multipart.
        raise CorruptDocumentError(
            "The e-mail is nested too deeply to read (messages or multiparts inside each "
            "other, hundreds of levels deep)."
        ) from error
    if attachments:
        blocks.append("Attachments: " + ", ".join(attachments))
    pages = PageAccumulator(limits, KIND)
    pages.add("\n\n".join(block for block in blocks if block.strip()))
    return require_text(ExtractedText(MEDIA_TYPE_EMAIL, pages.pages, EXTRACTOR, None), KIND)


def _refuse_encrypted(message: Message) -> None:
    for part in message.walk():
        content_type = part.get_content_type()
        if content_type not in _ENCRYPTED_TYPES:
            continue
        if part.get_param("smime-type", header="content-type") == _OPAQUE_SIGNED:
            raise UnsupportedDocumentError(
                "The e-mail's body is opaque-signed S/MIME (signed-data), which is not "
                "supported; send it with a clear-text (multipart/signed) signature."
            )
        raise EncryptedDocumentError(
            f"The e-mail's body is encrypted ({content_type}); it can only be read with the "
            "recipient's private key."
        )


def _headers_text(message: Message) -> str:
    lines = []
    for name in HEADERS:
        value = _header(message, name)
        if value:
            lines.append(f"{name}: {value}")
    return "\n".join(lines)


def _header(message: Message, name: str) -> str:
    raw = [value for key, value in message.raw_items() if key.lower() == name.lower()]
    if raw and len(raw[0]) > _LONG_HEADER_CHARACTERS:
        return " ".join(raw[0][:_LONG_HEADER_CHARACTERS].split()) + " …"
    try:
        value = message.get(name)
        text = "" if value is None else str(value)
    except _HEADER_ERRORS:
        # Fall back to the undecoded value as it stands in the message.
        text = raw[0] if raw else ""
    return " ".join(text.split())


def _body(message: Message) -> Message | None:
    if isinstance(message, EmailMessage):
        try:
            body = message.get_body(preferencelist=("plain", "html"))
        except _HEADER_ERRORS:
            body = None
        if body is not None:
            return body
    # A malformed Content-Type reads as text/plain; a non-multipart message is its body.
    if not message.is_multipart() and message.get_content_maintype() == "text":
        return message
    return None


def _part_text(part: Message) -> str:
    payload = part.get_payload(decode=True)
    if not isinstance(payload, bytes) or not payload.strip():
        return ""
    text = _decode(payload, part.get_content_charset())
    if part.get_content_subtype() == "html":
        return html.visible_text(text)
    return text


def _decode(payload: bytes, charset: str | None) -> str:
    if charset:
        try:
            return payload.decode(codecs.lookup(charset).name)
        except (LookupError, UnicodeDecodeError):
            pass  # Unknown or wrong label (common): sniff it like any text.
    try:
        return plain.decode(payload)[0]
    except UnsupportedDocumentError:
        return payload.decode("utf-8", errors="replace")


def _attachment_names(message: Message, body: Message | None) -> list[str]:
    names: list[str] = []
    for part in message.walk():
        if part is body or part.is_multipart():
            continue
        try:
            name = part.get_filename()
        except _HEADER_ERRORS:
            name = None
        if name is None and part.get_content_disposition() == "attachment":
            name = f"(unnamed {part.get_content_type()})"
        if name:
            names.append(" ".join(str(name).split()))
    return names
