"""Make a DOCX or XLSX (a zip package) byte-identical from one run to the next.

python-docx and openpyxl stamp each zip entry, and openpyxl the ``modified`` property, with
the wall-clock time; this rewrites the package with one fixed time (the run's as-of date).
Entries are copied in pieces, so a large workbook is never held whole in memory.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import zipfile
from pathlib import Path
from typing import BinaryIO

from cmr_reason.facts.private_files import open_private_binary

CORE = "docProps/core.xml"
STAMP = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")
PIECE = 1 << 20


def _rewrite(source: zipfile.ZipFile, target: BinaryIO, when: dt.date) -> None:
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    iso = f"{when.isoformat()}T00:00:00Z".encode()
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            if info.filename == CORE:
                data = STAMP.sub(lambda m: m.group(1) + iso + m.group(2), source.read(CORE))
                out.writestr(entry, data)
                continue
            entry.file_size = info.file_size  # lets zipfile choose ZIP64 up front if needed
            with source.open(info) as reader, out.open(entry, "w") as writer:
                shutil.copyfileobj(reader, writer, PIECE)


def stabilise(package: bytes, when: dt.date) -> bytes:
    """``package`` with every entry and core-property time set to ``when`` (midnight UTC)."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(package)) as source:
        _rewrite(source, out, when)
    return out.getvalue()


def stabilise_file(source: Path, target: Path, when: dt.date) -> None:
    """Write ``source``'s package to ``target`` (mode 600) with every time set to ``when``."""
    with zipfile.ZipFile(source) as package, open_private_binary(target) as handle:
        _rewrite(package, handle, when)
