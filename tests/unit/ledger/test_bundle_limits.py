"""Hostile bundles are refused from the zip's central directory, before anything is read.

A bundle is stored, never compressed, so a compressed member can only be a zip bomb (or a
zip that did not come from ``build_zip``); members and their count are capped as well. The
checks are the standalone verifier's (``verify_bundle.py``, inside every bundle).
"""

from __future__ import annotations

import io
import tracemalloc
import zipfile

import pytest

from coldcheck.ledger import bundle as b
from coldcheck.ledger import verify_bundle as v
from coldcheck.ledger.errors import BundleError

MiB = 1 << 20


class _Said:
    def __init__(self, report: v.Report) -> None:
        self.ok = report.ok
        self.summary = report.summary()


def verify_bundle(data: bytes) -> _Said:
    return _Said(v.verify(data, [], []))


def _zip_with(members: list[tuple[str, bytes, int]]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as zf:
        for name, data, compression in members:
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = compression
            zf.writestr(info, data)
    return buf.getvalue()


def _deflate_bomb(inflated: int) -> bytes:
    """A zip whose entry member inflates to ``inflated`` zero bytes (written a MiB at a time)."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        zf.writestr("README.txt", b"x")
        zf.writestr("manifest.json", b"{}")
        info = zipfile.ZipInfo("entries/000000000000.json", (1980, 1, 1, 0, 0, 0))
        info.compress_type = zipfile.ZIP_DEFLATED
        chunk = bytes(MiB)
        with zf.open(info, "w", force_zip64=True) as member:
            for _ in range(inflated // MiB):
                member.write(chunk)
    return buf.getvalue()


@pytest.fixture(scope="module")
def bomb() -> bytes:
    data = _deflate_bomb(1024 * MiB)
    assert len(data) < 1.2 * MiB  # about 1 MiB of zip that inflates to 1 GiB
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        assert zf.getinfo("entries/000000000000.json").file_size == 1024 * MiB
    return data


def test_a_zip_bomb_is_refused_without_inflating_it(bomb: bytes) -> None:
    tracemalloc.start()
    try:
        report = verify_bundle(bomb)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert not report.ok
    assert "compressed" in report.summary
    assert peak < 4 * MiB, f"verifying used {peak / MiB:.0f} MiB"


def test_a_compressed_member_is_refused_even_when_small() -> None:
    data = _zip_with(
        [
            ("README.txt", b"hello", zipfile.ZIP_DEFLATED),
            ("manifest.json", b"{}", zipfile.ZIP_STORED),
        ]
    )
    report = verify_bundle(data)
    assert not report.ok
    assert "README.txt is compressed" in report.summary


def test_a_member_larger_than_an_entry_can_be_is_refused_before_reading() -> None:
    big = bytes(v.MAX_MEMBER_BYTES + 1)
    data = _zip_with(
        [
            ("README.txt", b"x", zipfile.ZIP_STORED),
            ("manifest.json", b"{}", zipfile.ZIP_STORED),
            ("entries/000000000000.json", big, zipfile.ZIP_STORED),
        ]
    )
    report = verify_bundle(data)
    assert not report.ok
    assert "entries/000000000000.json is larger than" in report.summary


def test_too_many_members_are_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(v, "MAX_MEMBERS", 5)
    members = [("README.txt", b"x", zipfile.ZIP_STORED), ("manifest.json", b"{}", 0)]
    members += [(f"entries/{i:012d}.json", b"{}", zipfile.ZIP_STORED) for i in range(4)]
    report = verify_bundle(_zip_with(members))
    assert not report.ok
    assert "more than 5 members" in report.summary


def test_a_bundle_larger_than_the_total_cap_is_refused_before_opening(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(v, "MAX_BUNDLE_BYTES", 1000)
    report = verify_bundle(bytes(1001))
    assert not report.ok
    assert "larger than 1000 bytes" in report.summary


def test_a_member_whose_stored_size_disagrees_with_its_size_is_refused() -> None:
    data = bytearray(_zip_with([("README.txt", b"abc", 0), ("manifest.json", b"{}", 0)]))
    # In the central directory record of README.txt, make the uncompressed size 4 (not 3).
    cd = data.rfind(b"PK\x01\x02", 0, data.rfind(b"PK\x01\x02"))
    data[cd + 24 : cd + 28] = (4).to_bytes(4, "little")
    report = verify_bundle(bytes(data))
    assert not report.ok
    assert "README.txt" in report.summary


def test_building_refuses_a_bundle_the_verifier_would_refuse() -> None:
    with pytest.raises(BundleError, match="larger than"):
        b.build_zip([("entries/000000000000.json", bytes(v.MAX_MEMBER_BYTES + 1))])
    with pytest.raises(BundleError, match="appears twice"):
        b.build_zip([("README.txt", b"a"), ("README.txt", b"b")])


def test_members_that_overlap_in_the_file_are_refused() -> None:
    data = bytearray(_zip_with([("README.txt", b"abc", 0), ("manifest.json", b"{}", 0)]))
    # Point manifest.json's central directory record at README.txt's data and make it huge:
    # two records sharing bytes is how an overlapping zip bomb multiplies a small file.
    cd = data.rfind(b"PK\x01\x02")
    size = (len(data) + 1).to_bytes(4, "little")
    data[cd + 20 : cd + 24] = size
    data[cd + 24 : cd + 28] = size
    data[cd + 42 : cd + 46] = (0).to_bytes(4, "little")
    report = verify_bundle(bytes(data))
    assert not report.ok
    assert "overlap" in report.summary
