"""Make a DOCX or XLSX (a zip package) byte-identical from one run to the next.

python-docx and openpyxl stamp each zip entry, and openpyxl the ``modified`` property, with
the wall-clock time; this rewrites the package with one fixed time (the run's as-of date).
"""

from __future__ import annotations

import datetime as dt
import io
import re
import zipfile

CORE = "docProps/core.xml"
STAMP = re.compile(rb"(<dcterms:(?:created|modified)\b[^>]*>)[^<]*(</dcterms:)")


def stabilise(package: bytes, when: dt.date) -> bytes:
    """``package`` with every entry and core-property time set to ``when`` (midnight UTC)."""
    stamp = (when.year, when.month, when.day, 0, 0, 0)
    iso = f"{when.isoformat()}T00:00:00Z".encode()
    out = io.BytesIO()
    with (
        zipfile.ZipFile(io.BytesIO(package)) as source,
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target,
    ):
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == CORE:
                data = STAMP.sub(lambda m: m.group(1) + iso + m.group(2), data)
            entry = zipfile.ZipInfo(info.filename, date_time=stamp)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.external_attr = 0o600 << 16
            target.writestr(entry, data)
    return out.getvalue()
