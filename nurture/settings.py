"""One settings object, read from NURTURE_* environment variables (and an optional .env).

Settings are built by `get_settings()` when a process starts, never at import time, so tests
and `nurture dev` can each build their own. A value that cannot work (a TLS key without its
certificate) is refused in every environment; a development default that would be unsafe in
production (the link secret, SQLite, credentials sent in clear) is refused in production, all
problems in one message so an operator fixes them in one go. Every field is listed in the
README's settings table, with its default (a unit test keeps the two in step).
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, FilePath, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_LINK_SECRET = "development-only-link-secret-change-me"
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
    log_format: Literal["text", "json"] = Field(
        default="text", description="json: one JSON object per log line, for log collectors."
    )
    metrics_port: int | None = Field(
        default=None,
        ge=1,
        le=65534,
        description="Worker: Temporal SDK metrics on this port, Nurture's on the next one.",
    )

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
