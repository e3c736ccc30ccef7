from __future__ import annotations

import base64
import hashlib
import hmac
import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from nurture.links import (
    InvalidLinkToken,
    LinkToken,
    make_click_token,
    make_unsubscribe_token,
    read_token,
    tracked_link,
    unsubscribe_link,
)

SECRET = "a-test-secret-that-is-long-enough-0123456789"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _signed(payload: bytes, secret: str = SECRET) -> str:
    """A token signed correctly around an arbitrary payload, as only a key holder could."""
    encoded = _b64(payload)
    signature = hmac.new(secret.encode(), encoded.encode(), hashlib.sha256).digest()
    return f"{encoded}.{_b64(signature)}"


def test_click_token_round_trips() -> None:
    token = make_click_token(SECRET, prospect_id="p-1", journey_id="onboarding", content_id="faq")

    assert read_token(SECRET, token) == LinkToken("click", "p-1", "onboarding", "faq")


def test_unsubscribe_token_round_trips_without_content() -> None:
    token = make_unsubscribe_token(SECRET, prospect_id="p-1", journey_id="onboarding")

    assert read_token(SECRET, token) == LinkToken("unsubscribe", "p-1", "onboarding", None)


@given(prospect_id=st.text(min_size=1), journey_id=st.text(min_size=1), content_id=st.text())
def test_any_ids_round_trip_in_a_url_safe_token(
    prospect_id: str, journey_id: str, content_id: str
) -> None:
    token = make_click_token(
        SECRET, prospect_id=prospect_id, journey_id=journey_id, content_id=content_id
    )

    assert re.fullmatch(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+", token)
    assert read_token(SECRET, token) == LinkToken("click", prospect_id, journey_id, content_id)


def test_same_inputs_give_the_same_token() -> None:
    def make() -> str:
        return make_click_token(SECRET, prospect_id="p", journey_id="j", content_id="c")

    assert make() == make()


def test_payload_swapped_under_a_valid_signature_is_rejected() -> None:
    mine = make_click_token(SECRET, prospect_id="me", journey_id="j", content_id="c")
    theirs = make_click_token(SECRET, prospect_id="victim", journey_id="j", content_id="c")
    forged = f"{theirs.split('.')[0]}.{mine.split('.')[1]}"

    with pytest.raises(InvalidLinkToken):
        read_token(SECRET, forged)


def test_tampered_signature_is_rejected() -> None:
    payload, signature = make_unsubscribe_token(SECRET, prospect_id="p", journey_id="j").split(".")
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]

    with pytest.raises(InvalidLinkToken):
        read_token(SECRET, f"{payload}.{flipped}")


def test_token_signed_with_another_secret_is_rejected() -> None:
    token = make_unsubscribe_token("some-other-secret", prospect_id="p", journey_id="j")

    with pytest.raises(InvalidLinkToken):
        read_token(SECRET, token)


@pytest.mark.parametrize(
    "garbled", ["", ".", "no-dot-at-all", "a.b.c", "é.ü", "%%%.%%%", "abc.", ".abc"]
)
def test_garbled_tokens_are_rejected(garbled: str) -> None:
    with pytest.raises(InvalidLinkToken):
        read_token(SECRET, garbled)


@pytest.mark.parametrize(
    "payload",
    [
        b"not json",
        b"\xff\xfe",
        b"[1, 2]",
        b'{"k": "click", "p": "p", "j": "j"}',
        b'{"k": "unsubscribe", "p": "p", "j": "j", "c": "faq"}',
        b'{"k": "admin", "p": "p", "j": "j"}',
        b'{"k": "click", "p": 1, "j": "j", "c": "faq"}',
    ],
)
def test_signed_payloads_of_the_wrong_shape_are_rejected(payload: bytes) -> None:
    with pytest.raises(InvalidLinkToken):
        read_token(SECRET, _signed(payload))


def test_links_are_built_on_the_base_url_without_a_double_slash() -> None:
    assert tracked_link("https://n.example/", "tok") == "https://n.example/t/tok"
    assert unsubscribe_link("https://n.example", "tok") == "https://n.example/u/tok"
