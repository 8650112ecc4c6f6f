"""Fixture builders for the extraction tests: PDF, DOCX, PPTX, XLSX, ZIP and OLE2 files."""

from __future__ import annotations

import io
import struct
import zipfile
from collections.abc import Callable, Mapping, Sequence

from docx import Document
from docx.document import Document as WordDocument
from fpdf import FPDF
from openpyxl import Workbook
from PIL import Image
from pptx import Presentation
from pptx.presentation import Presentation as PowerPointPresentation


def pdf_with_pages(
    texts: Sequence[str], *, user_password: str | None = None, owner_password: str | None = None
) -> bytes:
    """A PDF with one page per text (Helvetica, so Latin-1 only), optionally encrypted."""
    pdf = FPDF()
    if owner_password is not None:
        pdf.set_encryption(owner_password=owner_password, user_password=user_password)
    pdf.set_font("helvetica", size=12)
    for text in texts:
        pdf.add_page()
        pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def scanned_pdf(pages: Sequence[str | None] = (None,)) -> bytes:
    """A PDF whose pages are either text (a string) or a picture with no text layer (None).

    The picture is text-coloured pixels in a PNG: what a scanner without OCR produces.
    """
    picture = Image.new("RGB", (200, 80), "white")
    for x in range(20, 180):
        for y in range(30, 40):
            picture.putpixel((x, y), (0, 0, 0))
    buffer = io.BytesIO()
    picture.save(buffer, format="PNG")
    pdf = FPDF()
    pdf.set_font("helvetica", size=12)
    for text in pages:
        pdf.add_page()
        if text is None:
            pdf.image(io.BytesIO(buffer.getvalue()), x=10, y=10, w=100)
        else:
            pdf.multi_cell(0, 8, text)
    return bytes(pdf.output())


def image_only_pdf() -> bytes:
    """A PDF page holding only a picture of text-coloured pixels: a scan without OCR."""
    return scanned_pdf([None])


def blank_pdf(pages: int = 1) -> bytes:
    """A PDF of empty pages."""
    pdf = FPDF()
    for _ in range(pages):
        pdf.add_page()
    return bytes(pdf.output())


def handmade_pdf(text: str, *, catalog: str = "<< /Type /Catalog /Pages 2 0 R >>") -> bytes:
    """A one-page Helvetica PDF written by hand, so tests can damage its structure.

    Objects: 1 catalog (given), 2 page tree, 3 page, 4 content stream, 5 font.
    """
    content = f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1")
    return _pdf_file(
        [
            catalog.encode(),
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
            b"/Resources << /Font << /F1 5 0 R >> >> >>",
            _stream(b"", content),
            b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        ]
    )


def latin_text(text: str, *, y: int = 720) -> bytes:
    """Content operators of `drawn_pdf` that show `text` (Latin-1) in Helvetica."""
    escaped = text.replace("\\", "\\\\").replace("(", "\\(").replace(")", "\\)")
    return f"BT /F1 12 Tf 72 {y} Td ({escaped}) Tj ET".encode("latin-1")


def vertical_cjk_text(text: str, *, x: int = 300) -> bytes:
    """Content operators of `drawn_pdf` that show `text` top to bottom in a Japanese font.

    The font is a non-embedded CID font with the vertical CMap UniJIS-UCS2-V, as Japanese
    publishing software writes it: pdfium reads no text from it, pdfminer reads it all.
    """
    return f"BT /F2 12 Tf {x} 700 Td <{text.encode('utf-16-be').hex()}> Tj ET".encode()


# A picture drawn directly on the page, and the same picture inside a form XObject.
PICTURE = b"q 200 0 0 100 72 500 cm /Im1 Do Q"
PICTURE_IN_FORM = b"/Fm1 Do"


def drawn_pdf(pages: Sequence[Sequence[bytes]]) -> bytes:
    """A PDF written by hand, each page drawing the given content operators in order.

    Every page shares resources the operators above use: F1 (Helvetica), F2 (a vertical
    Japanese CID font), Im1 (an 8x8 grey picture) and Fm1 (a form XObject drawing Im1).
    """
    pixels = bytes(range(0, 256, 4))
    shared = [
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
        b"<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular "
        b"/Encoding /UniJIS-UCS2-V /DescendantFonts [5 0 R] >>",
        b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular "
        b"/CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >> "
        b"/FontDescriptor 6 0 R /DW 1000 >>",
        b"<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 4 "
        b"/FontBBox [0 -200 1000 900] /ItalicAngle 0 /Ascent 880 /Descent -120 "
        b"/CapHeight 700 /StemV 80 >>",
        _stream(
            b"/Type /XObject /Subtype /Image /Width 8 /Height 8 /ColorSpace /DeviceGray "
            b"/BitsPerComponent 8",
            pixels,
        ),
        _stream(
            b"/Type /XObject /Subtype /Form /BBox [0 0 612 792] "
            b"/Resources << /XObject << /Im1 7 0 R >> >>",
            PICTURE,
        ),
    ]
    first_page = 3 + len(shared)
    kids = " ".join(f"{first_page + 2 * i} 0 R" for i in range(len(pages)))
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        f"<< /Type /Pages /Kids [{kids}] /Count {len(pages)} >>".encode(),
        *shared,
    ]
    for index, operators in enumerate(pages):
        content = first_page + 2 * index + 1
        objects += [
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents %d 0 R "
            b"/Resources << /Font << /F1 3 0 R /F2 4 0 R >> "
            b"/XObject << /Im1 7 0 R /Fm1 8 0 R >> >> >>" % content,
            _stream(b"", b"\n".join(operators)),
        ]
    return _pdf_file(objects)


def _stream(dictionary: bytes, content: bytes) -> bytes:
    entries = dictionary + b" " if dictionary else b""
    return b"<< %s/Length %d >>\nstream\n" % (entries, len(content)) + content + b"\nendstream"


def _pdf_file(objects: Sequence[bytes]) -> bytes:
    """Number `objects` from 1 and write them with a cross-reference table and trailer."""
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, start=1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for offset in offsets:
        out += b"%010d 00000 n \n" % offset
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (
        len(objects) + 1,
        xref,
    )
    return bytes(out)


def docx_bytes(build: Callable[[WordDocument], object]) -> bytes:
    """A DOCX made by python-docx: `build` fills a new, empty document."""
    document = Document()
    build(document)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def pptx_bytes(build: Callable[[PowerPointPresentation], object]) -> bytes:
    """A PPTX made by python-pptx: `build` fills a new, empty presentation."""
    presentation = Presentation()
    build(presentation)
    buffer = io.BytesIO()
    presentation.save(buffer)
    return buffer.getvalue()


def xlsx_bytes(build: Callable[[Workbook], object]) -> bytes:
    """An XLSX made by openpyxl: `build` fills a new workbook (its first sheet is "Sheet")."""
    workbook = Workbook()
    build(workbook)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def zip_bytes(members: Mapping[str, bytes]) -> bytes:
    """A deflated ZIP archive of the given members."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def rezip(data: bytes, replace: Mapping[str, Callable[[bytes], bytes]]) -> bytes:
    """Copy a ZIP archive, passing the named members through the given edits."""
    buffer = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(data)) as source,
        zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            content = source.read(info)
            edit = replace.get(info.filename)
            target.writestr(info.filename, edit(content) if edit else content)
    return buffer.getvalue()


# OLE2 compound file (CFB version 3, 512-byte sectors) constants: [MS-CFB] 2.1-2.6.
_SECTOR = 512
_FREE, _END, _FAT_SECTOR, _NO_STREAM = 0xFFFFFFFF, 0xFFFFFFFE, 0xFFFFFFFD, 0xFFFFFFFF
# Streams shorter than this live in the mini stream, which this writer does not build.
_MINI_STREAM_CUTOFF = 4096


def ole_file(streams: Mapping[str, bytes]) -> bytes:
    """A minimal OLE2 compound file holding `streams` ("name" or "storage/name" paths).

    olefile reads but cannot create such files, so tests build them here. Every stream is
    padded with NUL bytes to the mini-stream cutoff, so that all of them are in regular
    sectors and no mini stream is needed; readers of text properties strip the padding.
    """
    storages: dict[str, list[str]] = {"": []}
    for path in streams:
        if "/" in path:
            storage, _, _ = path.partition("/")
            storages.setdefault(storage, [])
            if storage not in storages[""]:
                storages[""].append(storage)
            storages[storage].append(path)
        else:
            storages[""].append(path)
    # Directory entries: 0 is the root; the rest in the order children are listed.
    order = [name for name in storages[""]]
    order += [path for storage in storages[""] if storage in storages for path in storages[storage]]
    index = {name: number for number, name in enumerate(order, start=1)}
    padded = {
        path: content.ljust(_MINI_STREAM_CUTOFF, b"\x00")
        + bytes(-max(len(content), _MINI_STREAM_CUTOFF) % _SECTOR)
        for path, content in streams.items()
    }
    directory_sectors = -(-(len(order) + 1) * 128 // _SECTOR)
    fat: list[int] = [_FAT_SECTOR]
    first_directory = len(fat)
    fat += [len(fat) + i + 1 for i in range(directory_sectors - 1)] + [_END]
    starts: dict[str, int] = {}
    data = bytearray()
    for path, content in padded.items():
        count = len(content) // _SECTOR
        starts[path] = len(fat)
        fat += [len(fat) + i + 1 for i in range(count - 1)] + [_END]
        data += content
    assert len(fat) <= _SECTOR // 4, "one FAT sector is enough for the test fixtures"

    def entry(name: str, kind: int, child: int, sibling: int, start: int, size: int) -> bytes:
        encoded = name.encode("utf-16-le") + b"\x00\x00"
        return struct.pack(
            "<64sHBBIII16sIQQIQ",
            encoded,
            len(encoded),
            kind,
            1,  # black: a chain of right siblings is a valid (if unbalanced) tree to readers
            _NO_STREAM,
            sibling,
            child,
            bytes(16),
            0,
            0,
            0,
            start,
            size,
        )

    def chain(names: list[str]) -> tuple[int, dict[str, int]]:
        siblings = {
            name: index[names[position + 1]] if position + 1 < len(names) else _NO_STREAM
            for position, name in enumerate(names)
        }
        return (index[names[0]] if names else _NO_STREAM), siblings

    root_child, siblings = chain(storages[""])
    for storage in storages[""]:
        if storage in storages:
            siblings.update(chain(storages[storage])[1])
    entries = [entry("Root Entry", 5, root_child, _NO_STREAM, _END, 0)]
    for name in order:
        if name in storages:
            entries.append(entry(name, 1, chain(storages[name])[0], siblings[name], 0, 0))
        else:
            short = name.rpartition("/")[2]
            entries.append(
                entry(short, 2, _NO_STREAM, siblings[name], starts[name], len(padded[name]))
            )
    directory = b"".join(entries).ljust(directory_sectors * _SECTOR, b"\x00")
    fat_sector = struct.pack(f"<{_SECTOR // 4}I", *fat, *[_FREE] * (_SECTOR // 4 - len(fat)))
    header = struct.pack(
        "<8s16sHHHHH6sIIIIIIIII",
        b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",
        bytes(16),
        0x3E,
        3,
        0xFFFE,
        9,
        6,
        bytes(6),
        0,
        1,
        first_directory,
        0,
        _MINI_STREAM_CUTOFF,
        _END,
        0,
        _END,
        0,
    ) + struct.pack("<109I", 0, *[_FREE] * 108)
    return header + fat_sector + directory + bytes(data)
