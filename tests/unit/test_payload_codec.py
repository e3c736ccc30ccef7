"""The payload codec: AES-256-GCM per payload, key ids for rotation, refusals that say why."""

from __future__ import annotations

import base64
import logging

import pytest
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload
from temporalio.api.failure.v1 import Failure
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DefaultFailureConverterWithEncodedAttributes
from temporalio.exceptions import ApplicationError

from nurture.codec import (
    ENCODING,
    KEY_ID_METADATA,
    EncryptionCodec,
    PayloadDecryptionError,
    encrypting_converter,
    new_key_spec,
    parse_key_list,
)
from nurture.temporal_client import data_converter_for
from tests.fixtures.environment import settings
from workflows.state import Prospect

pytestmark = pytest.mark.usefixtures("clean_environment")


ADA = Prospect(id="p-1", email="ada@analytical.example", first_name="Ada", company="Engines Ltd")


def codec(*specs: str) -> EncryptionCodec:
    return EncryptionCodec(parse_key_list(",".join(specs)))


async def sealed(codec: EncryptionCodec, value: object) -> Payload:
    [payload] = await encrypting_converter(pydantic_data_converter, codec).encode([value])
    return payload


async def opened(codec: EncryptionCodec, payload: Payload) -> Prospect:
    converter = encrypting_converter(pydantic_data_converter, codec)
    [value] = await converter.decode([payload], [Prospect])
    assert isinstance(value, Prospect)
    return value


async def test_a_payload_round_trips_and_nothing_of_it_is_readable_in_between() -> None:
    keys = codec(new_key_spec("k1"))

    payload = await sealed(keys, ADA)

    assert payload.metadata["encoding"] == ENCODING
    assert payload.metadata[KEY_ID_METADATA] == b"k1"
    for plain in (b"ada@analytical.example", b"Ada", b"Engines", b"json/plain", b"p-1"):
        assert plain not in payload.SerializeToString()
    assert await opened(keys, payload) == ADA


async def test_the_same_value_twice_is_two_different_ciphertexts() -> None:
    keys = codec(new_key_spec("k1"))

    assert (await sealed(keys, ADA)).data != (await sealed(keys, ADA)).data


async def test_a_payload_under_an_unconfigured_key_id_is_refused_naming_the_id() -> None:
    payload = await sealed(codec(new_key_spec("retired")), ADA)

    with pytest.raises(PayloadDecryptionError, match="'retired', which is not configured"):
        await codec(new_key_spec("current")).decode([payload])


async def test_tampered_ciphertext_is_refused() -> None:
    keys = codec(new_key_spec("k1"))
    payload = await sealed(keys, ADA)
    flipped = bytearray(payload.data)
    flipped[-1] ^= 0x01
    tampered = Payload(metadata=dict(payload.metadata), data=bytes(flipped))

    with pytest.raises(PayloadDecryptionError, match="failed authentication"):
        await keys.decode([tampered])


async def test_a_payload_relabelled_with_another_key_id_is_refused() -> None:
    first, second = new_key_spec("a"), new_key_spec("b")
    keys = codec(first, second)
    payload = await sealed(keys, ADA)
    relabelled = Payload(
        metadata={**payload.metadata, KEY_ID_METADATA: b"b"}, data=bytes(payload.data)
    )

    with pytest.raises(PayloadDecryptionError, match="failed authentication"):
        await keys.decode([relabelled])


async def test_rotation_the_new_key_encrypts_and_the_old_one_still_decrypts() -> None:
    old, new = new_key_spec("2024"), new_key_spec("2025")
    written_before = await sealed(codec(old), ADA)
    rotated = codec(new, old)

    written_after = await sealed(rotated, ADA)

    assert written_after.metadata[KEY_ID_METADATA] == b"2025"
    assert await opened(rotated, written_before) == ADA
    assert await opened(rotated, written_after) == ADA


async def test_payloads_written_before_encryption_was_switched_on_still_decode() -> None:
    [plain] = await pydantic_data_converter.encode([ADA])

    assert await opened(codec(new_key_spec("k1")), plain) == ADA


async def test_failure_messages_are_sealed_too() -> None:
    converter = encrypting_converter(pydantic_data_converter, codec(new_key_spec("k1")))
    error = ApplicationError("550 5.1.1 <ada@analytical.example>: no such user", type="Bounce")

    failure = Failure()
    await converter.encode_failure(error, failure)

    assert converter.failure_converter_class is DefaultFailureConverterWithEncodedAttributes
    assert b"ada@analytical.example" not in failure.SerializeToString()
    decoded = await converter.decode_failure(failure)
    assert "ada@analytical.example" in str(decoded)


@pytest.mark.parametrize(
    ("spec", "problem"),
    [
        ("k1:" + base64.b64encode(b"x" * 16).decode(), "16 bytes, AES-256 needs 32"),
        ("k1:not base64!", "not valid base64"),
        (base64.b64encode(b"x" * 32).decode(), "expected `id:base64key`"),
        ("bad id:" + base64.b64encode(b"x" * 32).decode(), "expected `id:base64key`"),
    ],
)
def test_the_settings_refuse_a_key_that_cannot_work(spec: str, problem: str) -> None:
    with pytest.raises(ValidationError, match="NURTURE_PAYLOAD_ENCRYPTION_KEYS") as raised:
        settings(payload_encryption_keys=spec)

    assert problem in str(raised.value)


def test_the_settings_refuse_one_id_for_two_keys() -> None:
    specs = f"{new_key_spec('k1')},{new_key_spec('k1')}"

    with pytest.raises(ValidationError, match="'k1' is listed twice"):
        settings(payload_encryption_keys=specs)


def test_keys_come_comma_separated_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    first, second = new_key_spec("new"), new_key_spec("old")
    monkeypatch.setenv("NURTURE_PAYLOAD_ENCRYPTION_KEYS", f"{first}, {second}")

    converter = data_converter_for(settings())

    assert isinstance(converter.payload_codec, EncryptionCodec)
    assert converter.payload_codec.key_ids == ["new", "old"]


def test_no_key_means_no_codec_and_a_warning_only_in_production(
    caplog: pytest.LogCaptureFixture,
) -> None:
    production = settings(
        environment="production",
        link_secret="s" * 40,
        admin_key="a" * 40,
        database_url="postgresql+asyncpg://nurture@db/nurture",
    )
    with caplog.at_level(logging.WARNING, logger="nurture.temporal_client"):
        assert data_converter_for(settings()) is pydantic_data_converter
        assert caplog.messages == []
        assert data_converter_for(production) is pydantic_data_converter

    [warning] = caplog.messages
    assert "in clear" in warning


async def test_a_payload_too_short_to_hold_a_nonce_is_refused_not_crashed_on() -> None:
    truncated = Payload(metadata={"encoding": ENCODING, KEY_ID_METADATA: b"k1"}, data=b"short")

    with pytest.raises(PayloadDecryptionError, match="failed authentication"):
        await codec(new_key_spec("k1")).decode([truncated])
