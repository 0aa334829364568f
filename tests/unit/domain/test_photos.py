"""Weapon photos in the domain (issue 18, part 5): what the bytes are, and the event."""

from __future__ import annotations

import hashlib

import pytest

from coldcheck.domain import commands as c
from coldcheck.domain import events as ev
from coldcheck.domain.codec import event_from_envelope, event_payload, event_refs
from coldcheck.domain.errors import Reason
from coldcheck.domain.photos import MAX_PHOTO_BYTES, PhotoFacts, read_photo
from tests.factories import ELI, JACK, MARA, W1, dry_gulch
from tests.photos import jpeg_header, png, webp_lossless


def facts(data: bytes) -> PhotoFacts:
    found = read_photo(data)
    assert isinstance(found, PhotoFacts), found
    return found


def test_a_png_is_known_by_its_signature_and_its_header_gives_its_size():
    data = png(64, 40)
    got = facts(data)
    assert (got.media_type, got.width, got.height) == ("image/png", 64, 40)
    assert got.sha256 == hashlib.sha256(data).hexdigest()
    assert got.byte_size == len(data)


def test_a_jpeg_gives_its_size_from_its_start_of_frame():
    got = facts(jpeg_header(4032, 3024))
    assert (got.media_type, got.width, got.height) == ("image/jpeg", 4032, 3024)


def test_a_jpeg_without_a_frame_header_is_kept_with_its_size_unknown():
    got = facts(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9")
    assert (got.media_type, got.width, got.height) == ("image/jpeg", 0, 0)


def test_a_lossless_webp_gives_its_size_from_its_vp8l_header():
    got = facts(webp_lossless(1600, 1200))
    assert (got.media_type, got.width, got.height) == ("image/webp", 1600, 1200)


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a\x01\x00\x01\x00",
        b"%PDF-1.7\n",
        b"<svg xmlns='http://www.w3.org/2000/svg'/>",
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDX",  # a PNG signature without its header
        b"RIFF\x00\x00\x00\x00WAVEfmt ",
        b"MZ\x90\x00",
    ],
    ids=["gif", "pdf", "svg", "broken-png", "wav", "exe"],
)
def test_anything_but_jpeg_png_and_webp_is_refused_by_its_bytes_whatever_it_claims(data):
    reason = read_photo(data)
    assert isinstance(reason, Reason) and reason.rule == "INPUT"
    assert "not a JPEG, PNG or WebP" in reason.message
    assert "take the photo again" in reason.message


def test_an_empty_upload_says_no_photo_came():
    reason = read_photo(b"")
    assert isinstance(reason, Reason) and "no photo came" in reason.message


def test_a_photo_over_the_limit_is_refused_saying_the_limit_and_what_to_do():
    reason = read_photo(png()[:8] + b"\x00" * MAX_PHOTO_BYTES)
    assert isinstance(reason, Reason)
    assert "at most 8.0 MiB" in reason.message and "lower resolution" in reason.message


def test_a_photo_of_exactly_the_limit_is_kept():
    data = jpeg_header(10, 10)
    data += b"\x00" * (MAX_PHOTO_BYTES - len(data))
    assert facts(data).byte_size == MAX_PHOTO_BYTES


def test_a_header_claiming_more_pixels_than_a_camera_takes_is_refused():
    reason = read_photo(jpeg_header(65000, 100))
    assert isinstance(reason, Reason) and "65000 × 100 pixels" in reason.message


def photograph(s, actor=MARA, **overrides):
    data = png()
    got = facts(data)
    fields = {
        "weapon": W1,
        "sha256": got.sha256,
        "byte_size": got.byte_size,
        "media_type": got.media_type,
        "width": got.width,
        "height": got.height,
        "note": "left side, serial visible",
        **overrides,
    }
    return s, actor, fields


def test_an_armorer_records_a_photo_and_the_weapon_shows_it_as_current():
    s, actor, fields = photograph(dry_gulch())
    (event,) = s.do(c.PhotographWeapon, actor, **fields)
    assert isinstance(event, ev.WeaponPhotographed)
    assert (event.sha256, event.by, event.note) == (
        fields["sha256"],
        MARA,
        "left side, serial visible",
    )
    photo = s.state.weapons[W1].photo
    assert photo is not None and photo.sha256 == fields["sha256"] and photo.by == MARA


def test_the_newest_of_several_photos_is_the_current_one():
    s = dry_gulch()
    first = facts(png(shade=0))
    second = facts(png(shade=90))
    for f, who in ((first, MARA), (second, ELI)):
        s.tick(minutes=5)
        s.do(
            c.PhotographWeapon,
            who,
            weapon=W1,
            sha256=f.sha256,
            byte_size=f.byte_size,
            media_type=f.media_type,
        )
    ws = s.state.weapons[W1]
    assert [p.sha256 for p in ws.photos] == [first.sha256, second.sha256]
    assert ws.photo is not None and ws.photo.by == ELI


def test_a_performer_may_not_record_a_weapon_photo():
    s, _, fields = photograph(dry_gulch())
    assert s.refused(c.PhotographWeapon, JACK, **fields).rules == ("AUTH",)


@pytest.mark.parametrize(
    ("override", "words"),
    [
        ({"sha256": "AB" * 32}, "64 lowercase hex"),
        ({"sha256": "ab12"}, "64 lowercase hex"),
        ({"byte_size": 0}, "1 to 8,388,608 bytes"),
        ({"byte_size": MAX_PHOTO_BYTES + 1}, "8,388,608"),
        ({"media_type": "image/gif"}, "image/jpeg, image/png, image/webp"),
        ({"width": -1}, "width is 0 (unknown)"),
        ({"height": 40_000}, "height is 0 (unknown)"),
        ({"note": "x" * 4001}, "note is 4001 characters"),
        ({"weapon": "W-0099"}, "no weapon W-0099"),
    ],
    ids=["upper-hex", "short-hash", "empty", "too-big", "gif", "width", "height", "note", "tag"],
)
def test_a_photo_the_log_cannot_name_is_refused_with_words(override, words):
    s, actor, fields = photograph(dry_gulch(), **override)
    refusal = s.refused(c.PhotographWeapon, actor, **fields)
    assert refusal.rules == ("INPUT",)
    assert any(words in r.message for r in refusal.reasons), refusal


def test_a_retired_weapon_is_not_photographed():
    s, actor, fields = photograph(dry_gulch())
    s.do(c.RetireWeapon, MARA, weapon=W1)
    refusal = s.refused(c.PhotographWeapon, actor, **fields)
    assert "retired" in str(refusal)


def test_the_photo_event_round_trips_through_its_stored_form_and_concerns_its_weapon():
    s, actor, fields = photograph(dry_gulch())
    (event,) = s.do(c.PhotographWeapon, actor, **fields)
    payload = event_payload(event)
    assert payload["sha256"] == fields["sha256"] and payload["byte_size"] == fields["byte_size"]
    back = event_from_envelope(
        event.type_name,
        event.version,
        event.production,
        event.at.isoformat(),
        event.by,
        [],
        payload,
    )
    assert back == event
    assert W1 in event_refs(event) and MARA in event_refs(event)
