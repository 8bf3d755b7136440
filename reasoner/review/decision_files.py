"""Exports of the decision log, and reading a verified log for ``run --decisions``.

An export is the whole log: every entry with its chain and signature, the users who may
appear in it (name, role, creation, signature; never a password hash), the signed head and
a signature over all of that (:func:`~cmr_reason.reasoner.review.decision_log.sign_export`). A
JSON export holds its signature; a CSV export (one row an entry, for reading in a
spreadsheet) has it in a file beside it, ``FILE.csv.sig``, without which ``run --decisions``
refuses the CSV. Reading checks the file's shape and types first (a one-line error naming
the first bad field), then the log (:func:`~cmr_reason.reasoner.review.decision_log.verify_log`,
naming the first bad entry), then the export's own signature.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from types import GenericAlias
from typing import Any, get_type_hints

from pydantic import BaseModel, ConfigDict, ValidationError, create_model

from cmr_reason.facts.errors import UserError
from cmr_reason.facts.private_files import write_private
from cmr_reason.reasoner.review.db import (
    DECISION_FIELDS,
    Log,
    ReviewDB,
    StoredDecision,
    is_sqlite,
)
from cmr_reason.reasoner.review.decision_log import (
    Head,
    SignedUser,
    TamperedLog,
    key_id,
    load_key,
    matches,
    sign_export,
    verify_log,
)
from cmr_reason.reasoner.run.contents import default_db_path, key_path

EXPORT_FORMAT = "cmr-reason decision log export"
EXPORT_VERSION = 2
SIG_SUFFIX = ".sig"


class _Strict(BaseModel):
    model_config = ConfigDict(strict=True, extra="forbid", frozen=True)


#: An entry of an export: every field of :class:`StoredDecision`, each one required.
_ENTRY_FIELDS: dict[str, Any] = {
    name: (hint, ...) for name, hint in get_type_hints(StoredDecision).items()
}
_Entry: type[_Strict] = create_model("_Entry", __base__=_Strict, **_ENTRY_FIELDS)


class _User(_Strict):
    name: str
    role: str
    created_at: str
    signature: str


class _Head(_Strict):
    count: int
    hash: str
    signature: str


class _Signature(_Strict):
    """What signs an export: everything but the entries (a CSV's ``.sig`` file)."""

    format: str
    version: int
    key_id: str
    reviewers: list[_User]
    head: _Head
    signature: str


#: A JSON export: the signature's fields and the entries.
_EXPORT_FIELDS: dict[str, Any] = {"decisions": (GenericAlias(list, (_Entry,)), ...)}
_Export: type[_Signature] = create_model("_Export", __base__=_Signature, **_EXPORT_FIELDS)


@dataclass(frozen=True)
class VerifiedLog:
    """A decision log whose chain, signatures, reviewers and head were checked."""

    source: Path
    entries: list[StoredDecision]
    key_id: str
    head: Head


# --- writing ----------------------------------------------------------------------------------
def _payload(log: Log, key: bytes) -> dict[str, Any]:
    assert log.head is not None  # a verified log has its head
    return {
        "format": EXPORT_FORMAT,
        "version": EXPORT_VERSION,
        "key_id": key_id(key),
        "reviewers": [user.as_dict() for user in log.users],
        "decisions": [item.as_dict() for item in log.entries],
        "head": log.head.as_dict(),
    }


def signed_export(db: ReviewDB) -> dict[str, Any]:
    """The whole log of a database, verified first, with the export's signature."""
    payload = _payload(db.verify(), db.key)
    return {**payload, "signature": sign_export(db.key, payload)}


def _csv_text(entries: Sequence[dict[str, Any]]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=DECISION_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(entries)
    return buffer.getvalue()


def export_text(db: ReviewDB, fmt: str) -> tuple[str, str | None, int]:
    """An export as text, for CSV the text of its ``.sig`` file (None for JSON), and its size."""
    export = signed_export(db)
    count = len(export["decisions"])
    if fmt == "json":
        return json.dumps(export, indent=2, ensure_ascii=False) + "\n", None, count
    signature = {k: v for k, v in export.items() if k != "decisions"}
    return _csv_text(export["decisions"]), json.dumps(signature, indent=2) + "\n", count


def write_export(db: ReviewDB, out: Path) -> int:
    """Export the log to a .json file, or a .csv file and its ``.sig``; owner-only files."""
    out = Path(out)
    fmt = out.suffix.lower().lstrip(".")
    if fmt not in ("csv", "json"):
        raise UserError("export to a .csv or a .json file")
    text, signature, count = export_text(db, fmt)
    try:
        write_private(out, text)
        if signature is not None:
            write_private(signature_path(out), signature)
    except OSError as exc:
        raise UserError(f"cannot write {out}: {exc.strerror}") from None
    return count


def signature_path(csv_path: Path) -> Path:
    """The signature file of a CSV export: ``FILE.csv.sig``."""
    return Path(csv_path).with_name(Path(csv_path).name + SIG_SUFFIX)


# --- reading ----------------------------------------------------------------------------------
def key_candidates(source: Path, explicit: Path | None, out_dir: Path | None) -> list[Path]:
    """Where the key of a decision source may be, in the order they are tried.

    ``explicit`` (``--decisions-key``) alone when given; for a database, the key beside it;
    for an export, the key beside the file, then the one of the run directory ``out_dir``.
    """
    if explicit is not None:
        return [Path(explicit)]
    source = Path(source)
    if is_sqlite(source):
        return [key_path(source)]
    found = [key_path(source.parent / "review.sqlite3")]
    if out_dir is not None:
        found.append(key_path(default_db_path(out_dir)))
    return list(dict.fromkeys(found))


def _problem(exc: ValidationError) -> str:
    """The first problem pydantic found, in one line: where, and what was expected."""
    error = exc.errors()[0]
    where = ".".join(str(part) for part in error["loc"]) or "the file"
    if error["type"] in ("model_type", "dict_type", "model_attributes_type"):
        return f"{where}: should be an object"
    return f"{where}: {error['msg'][:1].lower()}{error['msg'][1:]}"


def _validate(model: type[_Strict], data: Any, where: Path, *, strict: bool = True) -> Any:
    try:
        return model.model_validate(data, strict=strict)
    except ValidationError as exc:
        raise UserError(f"{where}: {_problem(exc)}") from None


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError, RecursionError) as exc:
        raise UserError(f"cannot read decisions from {path}: {str(exc)[:200]}") from None


def _not_signed(path: Path) -> UserError:
    return UserError(
        f"{path} is not a signed export of the decision log (an export made before decisions "
        "were signed, or not by cmr-reason): export the decisions again with `cmr-reason "
        "decisions export` (docs/review.md)"
    )


def _check_format(signed: _Signature, path: Path) -> None:
    if signed.format != EXPORT_FORMAT or signed.version != EXPORT_VERSION:
        raise _not_signed(path)


def _read_json_export(path: Path) -> tuple[_Signature, list[BaseModel]]:
    data = _read_json(path)
    if not isinstance(data, dict) or "format" not in data:
        raise _not_signed(path)
    export = _validate(_Export, data, path)
    _check_format(export, path)
    return export, list(export.decisions)


def _read_csv_export(path: Path) -> tuple[_Signature, list[BaseModel]]:
    sig_path = signature_path(path)
    if not sig_path.is_file():
        raise UserError(
            f"{path} has no signature file {sig_path.name} beside it: `run --decisions` takes "
            "the database, a JSON export or a CSV export with its .sig file"
        )
    data = _read_json(sig_path)
    if not isinstance(data, dict) or "format" not in data:
        raise _not_signed(sig_path)
    signed = _validate(_Signature, data, sig_path)
    _check_format(signed, sig_path)
    try:
        with path.open(encoding="utf-8", newline="") as handle:
            reader = csv.DictReader(handle)
            if list(reader.fieldnames or []) != list(DECISION_FIELDS):
                raise UserError(f"{path}: the columns are not those of a decisions export")
            rows = list(reader)
    except (OSError, UnicodeDecodeError, csv.Error) as exc:
        raise UserError(f"cannot read decisions from {path}: {exc}") from None
    entries = []
    for line, row in enumerate(rows, start=2):
        if None in row or any(value is None for value in row.values()):
            raise UserError(f"{path}:{line}: the row does not have one value a column")
        row = {**row, "supersedes": row["supersedes"] or None}
        entries.append(_validate(_Entry, row, Path(f"{path}:{line}"), strict=False))
    return signed, entries


def _pick_key(want: str, candidates: Sequence[Path], path: Path) -> bytes:
    for candidate in candidates:
        if candidate.is_file():
            key = load_key(candidate)
            if matches(key_id(key), want):
                return key
    looked = ", ".join(str(c) for c in candidates)
    raise TamperedLog(
        f"{path}: no decision key with the id {want[:16]!r} it was signed with (looked at "
        f"{looked}); give the run's review.key with --decisions-key"
    )


def _verify_export(
    path: Path, signed: _Signature, entries: list[BaseModel], candidates: Sequence[Path]
) -> VerifiedLog:
    key = _pick_key(signed.key_id, candidates, path)
    decisions = [StoredDecision(**entry.model_dump()) for entry in entries]
    users = [SignedUser(**user.model_dump()) for user in signed.reviewers]
    head = Head(**signed.head.model_dump())
    verify_log(decisions, users, head, key, str(path))
    payload = {
        **signed.model_dump(exclude={"signature"}),
        "decisions": [entry.model_dump() for entry in entries],
    }
    if not matches(sign_export(key, payload), signed.signature):
        raise TamperedLog(
            f"{path}: the export's signature does not match (the file was changed after it "
            "was exported); nothing was applied"
        )
    return VerifiedLog(path, decisions, signed.key_id, head)


def read_verified(source: Path, candidates: Sequence[Path]) -> VerifiedLog:
    """The decision log in a review database or an export, verified, or a one-line error."""
    source = Path(source)
    if not source.is_file():
        raise UserError(f"decisions file not found: {source}")
    if is_sqlite(source):
        db = ReviewDB.open_existing(source, key_file=candidates[0] if candidates else None)
        log = db.verify()
        assert log.head is not None
        return VerifiedLog(source, log.entries, key_id(db.key), log.head)
    suffix = source.suffix.lower()
    if suffix == ".json":
        signed, entries = _read_json_export(source)
    elif suffix == ".csv":
        signed, entries = _read_csv_export(source)
    else:
        raise UserError(f"{source}: decisions come from a review database, a .json or a .csv file")
    return _verify_export(source, signed, entries, candidates)
