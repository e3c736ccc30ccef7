"""Standard Webhooks signatures: what is accepted, every way a request is refused, and the
setting that holds the secrets."""

from __future__ import annotations

import base64
import json
import os
from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from nurture.settings import Settings
from nurture.webhook_signatures import SignatureRejected, secret_key, sign, verify

# The test vector of the Standard Webhooks specification.
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

OTHER_SECRET = "whsec_" + base64.b64encode(b"another key of 24+ bytes!").decode()
NOW = datetime.fromtimestamp(SPEC_TIMESTAMP, UTC)
TOLERANCE = timedelta(minutes=5)


def spec_headers(**overrides: str) -> dict[str, str]:
    return {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
        **overrides,
    }


def check(
    headers: dict[str, str],
    *,
    body: bytes = SPEC_BODY,
    secrets: tuple[str, ...] = (SPEC_SECRET,),
    now: datetime = NOW,
) -> None:
    verify(headers=headers, body=body, secrets=secrets, now=now, tolerance=TOLERANCE)


def refusal(
    headers: dict[str, str],
    *,
    body: bytes = SPEC_BODY,
    secrets: tuple[str, ...] = (SPEC_SECRET,),
    now: datetime = NOW,
) -> str:
    with pytest.raises(SignatureRejected) as raised:
        check(headers, body=body, secrets=secrets, now=now)
    return raised.value.reason


def test_the_specification_test_vector_signs_and_verifies() -> None:
    signature = sign(
        secret=SPEC_SECRET, webhook_id=SPEC_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_BODY
    )

    assert signature == SPEC_SIGNATURE
    check(spec_headers())


def test_header_names_may_be_in_any_case() -> None:
    check({name.title(): value for name, value in spec_headers().items()})


def test_a_signature_by_another_secret_is_refused() -> None:
    reason = refusal(spec_headers(), secrets=(OTHER_SECRET,))

    assert reason.startswith("no signature matches")


@pytest.mark.parametrize(
    "body", [b'{"test": 2432232315}', b'{"test":2432232314}', SPEC_BODY + b"\n", b""]
)
def test_a_changed_body_is_refused_even_by_one_byte(body: bytes) -> None:
    assert refusal(spec_headers(), body=body).startswith("no signature matches")


def test_the_id_and_timestamp_are_signed_too() -> None:
    assert refusal(spec_headers(**{"webhook-id": "msg_other"})).startswith("no signature")
    later = str(SPEC_TIMESTAMP + 1)
    reason = refusal(spec_headers(**{"webhook-timestamp": later}), now=NOW)
    assert reason.startswith("no signature matches")


@pytest.mark.parametrize(
    ("shift", "words"),
    [
        (timedelta(minutes=5, seconds=1), "webhook-timestamp too old: signed 301 s ago"),
        (timedelta(hours=-1), "webhook-timestamp in the future: 3600 s ahead"),
    ],
)
def test_a_timestamp_outside_the_tolerance_is_refused_naming_why(
    shift: timedelta, words: str
) -> None:
    reason = refusal(spec_headers(), now=NOW + shift)

    assert reason.startswith(words)
    assert "300 s tolerance" in reason


@pytest.mark.parametrize("shift", [timedelta(minutes=5), timedelta(minutes=-5), timedelta(0)])
def test_a_timestamp_at_the_edge_of_the_tolerance_is_accepted(shift: timedelta) -> None:
    check(spec_headers(), now=NOW + shift)


def test_any_listed_signature_may_match_any_configured_secret() -> None:
    """Rotation: the sender signs with old and new secret, we may know either or both."""
    other = sign(secret=OTHER_SECRET, webhook_id=SPEC_ID, timestamp=SPEC_TIMESTAMP, body=SPEC_BODY)
    both = spec_headers(**{"webhook-signature": f"{other} {SPEC_SIGNATURE}"})

    check(both, secrets=(SPEC_SECRET,))
    check(both, secrets=(OTHER_SECRET,))
    check(spec_headers(), secrets=(OTHER_SECRET, SPEC_SECRET))


def test_unknown_signature_versions_are_skipped() -> None:
    check(spec_headers(**{"webhook-signature": f"v1a,c2lnbmVk {SPEC_SIGNATURE}"}))


@pytest.mark.parametrize("missing", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_header_is_an_unsigned_request(missing: str) -> None:
    headers = spec_headers()
    del headers[missing]

    assert refusal(headers) == f"unsigned request: no {missing} header"


def test_no_headers_at_all_names_all_three() -> None:
    reason = refusal({})

    assert reason == "unsigned request: no webhook-id, webhook-timestamp, webhook-signature header"


@pytest.mark.parametrize(
    ("headers", "words"),
    [
        ({"webhook-timestamp": "1614265330.5"}, "malformed webhook-timestamp"),
        ({"webhook-timestamp": "-1614265330"}, "malformed webhook-timestamp"),
        ({"webhook-timestamp": "yesterday"}, "malformed webhook-timestamp"),
        ({"webhook-signature": "g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}, "malformed"),
        ({"webhook-signature": "v1,not base64!"}, "malformed webhook-signature"),
        ({"webhook-signature": "v2,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="}, "malformed"),
        ({"webhook-id": "x" * 257}, "malformed webhook-id"),
    ],
)
def test_malformed_headers_are_refused_naming_the_header(
    headers: dict[str, str], words: str
) -> None:
    assert refusal(spec_headers(**headers)).startswith(words)


def test_secret_keys_need_the_prefix_base64_and_24_bytes() -> None:
    assert secret_key(SPEC_SECRET) == base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    with pytest.raises(ValueError, match="starts with 'whsec_'"):
        secret_key("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")
    with pytest.raises(ValueError, match="base64"):
        secret_key("whsec_not*base64")
    with pytest.raises(ValueError, match="24\\+ random bytes, not 6"):
        secret_key("whsec_c2hvcnQh")


# --- the setting --------------------------------------------------------------------------


@pytest.fixture
def environment(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Only the variables a test sets: a developer's own NURTURE_* must not count."""
    for name in [name for name in os.environ if name.startswith("NURTURE_")]:
        monkeypatch.delenv(name)
    return monkeypatch


@pytest.mark.parametrize(
    "value", [f"{SPEC_SECRET}, {OTHER_SECRET}", json.dumps([SPEC_SECRET, OTHER_SECRET])]
)
def test_secrets_come_comma_separated_or_as_json_from_the_environment(
    environment: pytest.MonkeyPatch, value: str
) -> None:
    environment.setenv("NURTURE_WEBHOOK_SECRETS", value)

    secrets = Settings(_env_file=None).webhook_secrets

    assert [secret.get_secret_value() for secret in secrets or []] == [SPEC_SECRET, OTHER_SECRET]


def test_an_empty_variable_means_no_secrets(environment: pytest.MonkeyPatch) -> None:
    environment.setenv("NURTURE_WEBHOOK_SECRETS", "")

    assert Settings(_env_file=None).webhook_secrets is None


def test_a_malformed_secret_stops_the_settings_without_showing_any_secret(
    environment: pytest.MonkeyPatch,
) -> None:
    environment.setenv("NURTURE_WEBHOOK_SECRETS", f"{SPEC_SECRET},whsec_c2hvcnQh")

    with pytest.raises(ValidationError) as raised:
        Settings(_env_file=None)

    message = str(raised.value)
    assert (
        "NURTURE_WEBHOOK_SECRETS, secret 2: a webhook secret's key is 24+ random bytes" in message
    )
    assert "MfKQ9r8" not in message and "c2hvcnQh" not in message
