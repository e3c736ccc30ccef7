"""One settings object, read from NURTURE_* environment variables (and an optional .env).

Settings are built by `get_settings()` when a process starts, never at import time, so tests
and `nurture dev` can each build their own.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEVELOPMENT_LINK_SECRET = "development-only-link-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="NURTURE_", env_file=".env", extra="ignore")

    environment: Literal["development", "production"] = "development"

    temporal_address: str = "localhost:7233"
    temporal_namespace: str = "default"
    task_queue: str = "nurture"

    database_url: str = "sqlite+aiosqlite:///data/nurture.db"

    smtp_host: str = "localhost"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_starttls: bool = False
    smtp_timeout_seconds: float = 30.0

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

    @model_validator(mode="after")
    def _refuse_unsafe_production(self) -> Settings:
        if self.environment == "production":
            if self.link_secret == DEVELOPMENT_LINK_SECRET or len(self.link_secret) < 32:
                raise ValueError(
                    "NURTURE_LINK_SECRET must be set to a random value of 32+ characters "
                    "in production"
                )
            if self.database_url.startswith("sqlite"):
                raise ValueError("production needs a server database, not SQLite")
        return self


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
