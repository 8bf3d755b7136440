"""SHA-256 of files (facts/file_hash.py): in the caller's thread, or in a thread of their own."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from cmr_reason.facts.file_hash import FileDigests, sha256_of


def test_sha256_of_reads_a_file_in_chunks(tmp_path: Path) -> None:
    data = bytes(range(256)) * 10_000  # 2.5 MB: several chunks
    path = tmp_path / "f.bin"
    path.write_bytes(data)
    assert sha256_of(path) == hashlib.sha256(data).hexdigest()


def test_digests_made_in_a_thread_equal_the_plain_ones(tmp_path: Path) -> None:
    paths = []
    for k in range(3):
        path = tmp_path / f"f{k}.csv"
        path.write_bytes(f"line {k}\n".encode() * (50_000 * (k + 1)))
        paths.append(path)
    started = FileDigests(paths)
    started.start()
    started.start()  # once
    never_started = FileDigests(str(path) for path in paths)
    for path in paths:
        expected = hashlib.sha256(path.read_bytes()).hexdigest()
        assert started.of(path) == expected
        assert started.of(str(path)) == expected
        assert never_started.of(path) == expected  # hashed when asked


def test_a_file_that_cannot_be_read_raises_where_its_digest_is_asked(tmp_path: Path) -> None:
    digests = FileDigests([tmp_path / "gone.csv"])
    digests.start()  # the thread fails; nothing is raised here
    with pytest.raises(FileNotFoundError):
        digests.of(tmp_path / "gone.csv")
