"""The one way every process connects to Temporal: pydantic payloads, encrypted when a key is
configured; namespace, TLS and API key from the settings."""

from __future__ import annotations

import logging
from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import TLSConfig

from nurture.codec import EncryptionCodec, encrypting_converter, parse_key_list
from nurture.settings import Settings

log = logging.getLogger(__name__)


async def connect_temporal(settings: Settings) -> Client:
    api_key = settings.temporal_api_key
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        api_key=api_key.get_secret_value() if api_key is not None else None,
        tls=temporal_tls(settings),
        data_converter=data_converter_for(settings),
    )


def data_converter_for(settings: Settings) -> DataConverter:
    """Pydantic payloads, sealed by the payload codec when keys are configured.

    Production without a key is allowed (Temporal may run where its storage is trusted) but
    said once per process, so it is a choice and not an oversight.
    """
    keys = settings.payload_encryption_keys
    parsed = parse_key_list(keys.get_secret_value()) if keys is not None else []
    if not parsed:
        if settings.environment == "production":
            log.warning(
                "NURTURE_PAYLOAD_ENCRYPTION_KEYS is not set: workflow payloads (prospects' "
                "addresses and names) are stored in Temporal in clear"
            )
        return pydantic_data_converter
    return encrypting_converter(pydantic_data_converter, EncryptionCodec(parsed))


def temporal_tls(settings: Settings) -> TLSConfig | bool:
    """False for a plain connection; else the CA and client certificate the settings name
    (an empty TLSConfig means the system's roots and no client certificate)."""
    if not settings.temporal_tls:
        return False
    return TLSConfig(
        server_root_ca_cert=_read(settings.temporal_tls_ca_path),
        client_cert=_read(settings.temporal_tls_cert_path),
        client_private_key=_read(settings.temporal_tls_key_path),
    )


def _read(path: Path | None) -> bytes | None:
    return path.read_bytes() if path is not None else None
