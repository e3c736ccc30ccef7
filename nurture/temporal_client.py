"""The one way every process connects to Temporal: pydantic payloads; namespace, TLS and API key
from the settings."""

from __future__ import annotations

from pathlib import Path

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import TLSConfig

from nurture.settings import Settings


async def connect_temporal(settings: Settings) -> Client:
    api_key = settings.temporal_api_key
    return await Client.connect(
        settings.temporal_address,
        namespace=settings.temporal_namespace,
        api_key=api_key.get_secret_value() if api_key is not None else None,
        tls=temporal_tls(settings),
        data_converter=pydantic_data_converter,
    )


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
