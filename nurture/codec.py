"""Encrypting workflow payloads: what Temporal stores is ciphertext, the key stays with us.

A journey's history holds its inputs, signals and activity arguments: the prospect's address,
name and company, what they wrote back. Temporal (and whoever runs or backs up its database)
sees only what this codec lets through. Each payload is sealed whole with AES-256-GCM under the
newest key and labelled with that key's id, so keys can rotate: the first configured key
encrypts, every configured key decrypts, and a history written under an older key stays
readable as long as that key is listed.

Payloads that are not encrypted (written before the codec was switched on) pass through
decoding unchanged, so turning encryption on does not strand running journeys.
"""

from __future__ import annotations

import base64
import binascii
import dataclasses
import os
import re
from collections.abc import Sequence
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import (
    DataConverter,
    DefaultFailureConverterWithEncodedAttributes,
    PayloadCodec,
)

ENCODING = b"binary/encrypted"
KEY_ID_METADATA = "encryption-key-id"
KEY_BYTES = 32  # AES-256
NONCE_BYTES = 12  # the GCM standard nonce; random per payload
_KEY_ID = re.compile(r"^[A-Za-z0-9._-]{1,64}$")


class PayloadDecryptionError(ValueError):
    """A payload this process cannot decrypt: an unknown key id, or ciphertext not ours."""


@dataclass(frozen=True)
class EncryptionKey:
    id: str
    secret: bytes


def parse_keys(specs: Sequence[str]) -> list[EncryptionKey]:
    """`id:base64key` entries -> keys; every problem in one ValueError (the settings report it).

    Ids must be unique: two keys under one id would make decryption try the wrong one.
    """
    keys: list[EncryptionKey] = []
    problems: list[str] = []
    for position, spec in enumerate(specs, start=1):
        key_id, separator, encoded = spec.strip().partition(":")
        if not separator or not _KEY_ID.match(key_id):
            problems.append(
                f"key {position}: expected `id:base64key`, the id of letters, digits, . _ -"
            )
            continue
        try:
            secret = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            problems.append(f"key {key_id!r}: not valid base64")
            continue
        if len(secret) != KEY_BYTES:
            problems.append(f"key {key_id!r}: {len(secret)} bytes, AES-256 needs {KEY_BYTES}")
            continue
        if any(key.id == key_id for key in keys):
            problems.append(f"key {key_id!r} is listed twice")
            continue
        keys.append(EncryptionKey(id=key_id, secret=secret))
    if problems:
        raise ValueError("; ".join(problems))
    return keys


def parse_key_list(text: str) -> list[EncryptionKey]:
    """The setting's form: entries separated by commas (blank entries ignored), newest first.

    Empty means no key, which the caller turns into "no codec"; base64 never has a comma.
    """
    return parse_keys([spec for spec in text.split(",") if spec.strip()])


def new_key_spec(key_id: str) -> str:
    """A fresh `id:base64key` entry, for operators generating a key (and for tests)."""
    return f"{key_id}:{base64.b64encode(os.urandom(KEY_BYTES)).decode()}"


class EncryptionCodec(PayloadCodec):
    """AES-256-GCM over each whole payload (its metadata included), keyed by id."""

    def __init__(self, keys: Sequence[EncryptionKey]) -> None:
        if not keys:
            raise ValueError("an encryption codec needs at least one key")
        self._encrypting = keys[0]
        self._ciphers = {key.id: AESGCM(key.secret) for key in keys}

    @property
    def key_ids(self) -> list[str]:
        return list(self._ciphers)

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._encrypt(payload) for payload in payloads]

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        return [self._decrypt(payload) for payload in payloads]

    def _encrypt(self, payload: Payload) -> Payload:
        key_id = self._encrypting.id
        nonce = os.urandom(NONCE_BYTES)
        # The key id is authenticated too: relabelling a payload with another id is refused.
        sealed = self._ciphers[key_id].encrypt(nonce, payload.SerializeToString(), key_id.encode())
        return Payload(
            metadata={"encoding": ENCODING, KEY_ID_METADATA: key_id.encode()},
            data=nonce + sealed,
        )

    def _decrypt(self, payload: Payload) -> Payload:
        if payload.metadata.get("encoding") != ENCODING:
            return payload
        key_id = payload.metadata.get(KEY_ID_METADATA, b"").decode(errors="replace")
        cipher = self._ciphers.get(key_id)
        if cipher is None:
            raise PayloadDecryptionError(
                f"payload encrypted with key {key_id!r}, which is not configured "
                f"(configured: {', '.join(self._ciphers)}); add it to "
                "NURTURE_PAYLOAD_ENCRYPTION_KEYS after the current key"
            )
        nonce, sealed = payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:]
        try:
            if len(nonce) != NONCE_BYTES:
                raise InvalidTag  # too short to be ours at all
            plain = cipher.decrypt(nonce, sealed, key_id.encode())
        except InvalidTag as error:
            raise PayloadDecryptionError(
                f"payload under key {key_id!r} failed authentication: altered, or sealed "
                "with a different key of the same id"
            ) from error
        decoded = Payload()
        decoded.ParseFromString(plain)
        return decoded


def encrypting_converter(base: DataConverter, codec: EncryptionCodec) -> DataConverter:
    """`base` with every payload sealed by `codec`, failure messages and stack traces too.

    By default a failure's message travels in clear beside its (encoded) details; an SMTP
    refusal quoting the recipient would then sit readable in the history.
    """
    return dataclasses.replace(
        base,
        payload_codec=codec,
        failure_converter_class=DefaultFailureConverterWithEncodedAttributes,
    )
