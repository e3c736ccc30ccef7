"""One settings object, read from NURTURE_* environment variables (and an optional .env).

Settings are built by `get_settings()` when a process starts, never at import time, so tests
and `nurture dev` can each build their own. A value that cannot work (a TLS key without its
certificate) is refused in every environment; a development default that would be unsafe in
production (the link secret, the admin key, SQLite, credentials sent in clear) is refused in
production, all problems in one message so an operator fixes them in one go. Every field is
listed in the README's settings table, with its default (a unit test keeps the two in step).
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Annotated, Any, Literal

from pydantic import Field, FilePath, SecretStr, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from nurture.codec import parse_key_list
from nurture.webhook_signatures import secret_key

DEVELOPMENT_LINK_SECRET = "development-only-link-secret-change-me"
# The admin key `nurture dev` prints; public, so production refuses it.
DEVELOPMENT_ADMIN_KEY = "development-only-admin-key-change-me"
MINIMUM_SECRET_LENGTH = 32

SmtpTls = Literal["none", "starttls", "implicit"]


class Settings(BaseSettings):
    model_config = SettingsConfigDict(
        env_prefix="NURTURE_",
        env_file=".env",
        extra="ignore",
        # `NURTURE_SMTP_USERNAME=` (as docker-compose passes an unset optional variable)
        # means "not set", not "an empty user name".
        env_ignore_empty=True,
        # A refused value is named by its variable, never echoed: it may be a secret.
        hide_input_in_errors=True,
    )

    environment: Literal["development", "production"] = "development"

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    temporal_tls: bool = Field(
        default=False,
        description="Connect to Temporal over TLS (system roots unless a CA is given).",
    )
    temporal_tls_ca_path: FilePath | None = Field(
        default=None, description="PEM CA that signed the Temporal server's certificate."
    )
    temporal_tls_cert_path: FilePath | None = Field(
        default=None, description="PEM client certificate for mutual TLS (with the key)."
    )
    temporal_tls_key_path: FilePath | None = Field(
        default=None, description="PEM private key of the client certificate."
    )
    temporal_api_key: SecretStr | None = Field(
        default=None, description="API key sent as a bearer token (Temporal Cloud); needs TLS."
    )
    task_queue: str = "nurture"
    worker_max_concurrent_activities: int = Field(
        default=100, ge=1, description="Activities (sends, projections) one worker runs at once."
    )
    # A journey evicted from the cache replays its whole run's history at its next wake-up; one
    # kept costs memory while it waits (docs/performance.md measures both).
    worker_max_cached_workflows: int = Field(
        default=1000, ge=0, description="Journeys one worker keeps in memory between wake-ups."
    )
    # Temporal requires at least two when workflows are cached, which they are by default.
    worker_max_concurrent_workflow_tasks: int = Field(
        default=100, ge=2, description="Workflow tasks one worker processes at once."
    )

    database_url: str = "sqlite+aiosqlite:///data/nurture.db"

    smtp_host: str = "localhost"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_tls: SmtpTls = Field(
        default="none",
        description="none, starttls (upgrade a plain connection, port 587) or implicit (465).",
    )
    smtp_starttls: bool = Field(
        default=False, description="Deprecated: the same as smtp_tls=starttls."
    )
    smtp_timeout_seconds: float = 30.0
    uncertain_sends: Literal["assume_sent", "resend"] = Field(
        default="assume_sent",
        description="An e-mail whose connection was lost during DATA: never resend, or resend.",
    )

    sales_inbox: str = Field(
        default="sales@localhost",
        description="Where a task is e-mailed when its assignee is not an e-mail address.",
    )

    public_base_url: str = Field(
        default="http://localhost:8000",
        description="Where tracked links and unsubscribe links in e-mails point.",
    )
    temporal_ui_url: str = Field(
        default="http://localhost:8233",
        description="The Temporal UI, for links from a prospect's timeline to its workflows.",
    )
    link_secret: str = Field(
        default=DEVELOPMENT_LINK_SECRET,
        description="Signs tracked-link tokens so nobody can forge clicks for a prospect.",
    )
    admin_key: SecretStr = Field(
        default=SecretStr(DEVELOPMENT_ADMIN_KEY),
        description="An admin API key kept in the settings, not the database: the way in to "
        "create the other keys.",
    )
    api_key: SecretStr | None = Field(
        default=None,
        description="The key the CLI's API commands (import, policy, migrate, history) send; "
        "unset: the admin key.",
    )
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per log line, for log collectors."
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65534,
        description="Worker: Temporal SDK metrics on this port, Nurture's on the next one.",
    )

    # NoDecode: the environment gives `whsec_a,whsec_b`, not JSON (`_split_secrets` reads both).
    webhook_secrets: Annotated[list[SecretStr] | None, NoDecode] = Field(
        default=None,
        description="whsec_ secrets of signed webhooks (comma-separated; several while rotating).",
    )
    webhook_tolerance_seconds: int = Field(
        default=300, ge=1, description="How far a webhook's timestamp may be from our clock."
    )
    max_request_bytes: int = Field(
        default=1_048_576, ge=1, description="Largest request body (413 above it)."
    )
    max_inbound_email_bytes: int = Field(
        default=10_485_760, ge=1, description="Largest body of POST /inbound/email (413 above)."
    )
    max_event_batch: int = Field(
        default=1000, ge=1, description="Most events in one POST /events (422 above)."
    )
    rate_limit_per_minute: int = Field(
        default=6000, ge=0, description="Requests per minute per API key or address; 0: no limit."
    )
    rate_limit_burst: int = Field(
        default=600, ge=1, description="Requests a caller may make at once above the steady rate."
    )

    payload_encryption_keys: SecretStr | None = Field(
        default=None,
        description="Comma-separated `id:base64key` (32-byte keys): the first encrypts workflow "
        "payloads, all decrypt; unset: payloads in clear (docs/privacy.md).",
    )

    @field_validator("webhook_secrets", mode="before")
    @classmethod
    def _split_secrets(cls, value: Any) -> Any:
        if not isinstance(value, str):
            return value
        if value.strip().startswith("["):
            return json.loads(value)
        return [part.strip() for part in value.split(",") if part.strip()]

    @field_validator("webhook_secrets")
    @classmethod
    def _secrets_decode(cls, value: list[SecretStr] | None) -> list[SecretStr] | None:
        for number, secret in enumerate(value or [], start=1):
            try:
                secret_key(secret.get_secret_value())
            except ValueError as error:
                # The reason, never the secret itself: settings errors end up in logs.
                raise ValueError(f"NURTURE_WEBHOOK_SECRETS, secret {number}: {error}") from None
        return value

    @model_validator(mode="after")
    def _fold_deprecated_starttls(self) -> Settings:
        if self.smtp_starttls:
            if self.smtp_tls == "implicit":
                raise ValueError(
                    "NURTURE_SMTP_STARTTLS (deprecated) contradicts NURTURE_SMTP_TLS=implicit; "
                    "drop NURTURE_SMTP_STARTTLS"
                )
            self.smtp_tls = "starttls"
        return self

    @model_validator(mode="after")
    def _refuse_unworkable(self) -> Settings:
        problems = configuration_problems(self)
        if self.environment == "production":
            problems += production_problems(self)
        if problems:
            raise ValueError("; ".join(problems))
        return self


def configuration_problems(settings: Settings) -> list[str]:
    """Combinations that cannot work in any environment."""
    problems: list[str] = []
    tls_files = (
        settings.temporal_tls_ca_path,
        settings.temporal_tls_cert_path,
        settings.temporal_tls_key_path,
    )
    if any(tls_files) and not settings.temporal_tls:
        # Otherwise the files would be ignored and the connection silently left in clear.
        problems.append("NURTURE_TEMPORAL_TLS_*_PATH is set but NURTURE_TEMPORAL_TLS is false")
    if (settings.temporal_tls_cert_path is None) != (settings.temporal_tls_key_path is None):
        problems.append(
            "NURTURE_TEMPORAL_TLS_CERT_PATH and NURTURE_TEMPORAL_TLS_KEY_PATH go together"
        )
    if settings.temporal_api_key is not None and not settings.temporal_tls:
        problems.append("NURTURE_TEMPORAL_API_KEY needs NURTURE_TEMPORAL_TLS=true")
    if settings.payload_encryption_keys is not None:
        try:
            parse_key_list(settings.payload_encryption_keys.get_secret_value())
        except ValueError as error:
            problems.append(f"NURTURE_PAYLOAD_ENCRYPTION_KEYS: {error}")
    return problems


def production_problems(settings: Settings) -> list[str]:
    """Development defaults and shortcuts that must not reach production."""
    problems: list[str] = []
    secret = settings.link_secret
    if secret == DEVELOPMENT_LINK_SECRET or len(secret) < MINIMUM_SECRET_LENGTH:
        problems.append(
            f"NURTURE_LINK_SECRET must be set to a random value of {MINIMUM_SECRET_LENGTH}+ "
            "characters in production"
        )
    admin_key = settings.admin_key.get_secret_value()
    if admin_key == DEVELOPMENT_ADMIN_KEY or len(admin_key) < MINIMUM_SECRET_LENGTH:
        problems.append(
            f"NURTURE_ADMIN_KEY must be set to a random value of {MINIMUM_SECRET_LENGTH}+ "
            "characters in production (the development key is public)"
        )
    if settings.database_url.startswith("sqlite"):
        problems.append("production needs a server database, not SQLite")
    has_smtp_credentials = settings.smtp_username is not None or settings.smtp_password is not None
    if has_smtp_credentials and settings.smtp_tls == "none":
        problems.append(
            "SMTP credentials would cross the network in clear: set NURTURE_SMTP_TLS "
            "to starttls or implicit"
        )
    return problems


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
