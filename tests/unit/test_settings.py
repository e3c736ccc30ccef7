"""Settings: what production refuses, TLS for Temporal, the deprecated STARTTLS switch, and the
README's settings table, which must list every field with its real default."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from pydantic import SecretStr, ValidationError
from temporalio.service import TLSConfig

from nurture.settings import DEVELOPMENT_LINK_SECRET, Settings
from nurture.temporal_client import temporal_tls
from tests.fixtures.environment import settings

README = Path(__file__).resolve().parents[2] / "README.md"
GOOD_SECRET = "k" * 32
POSTGRES_URL = "postgresql+asyncpg://nurture:pw@db:5432/nurture"


pytestmark = pytest.mark.usefixtures("clean_environment")


def production(**values: Any) -> Settings:
    return settings(
        **{
            "environment": "production",
            "link_secret": GOOD_SECRET,
            "admin_key": GOOD_SECRET,
            "database_url": POSTGRES_URL,
            **values,
        }
    )


def refusal(**values: Any) -> str:
    with pytest.raises(ValidationError) as raised:
        settings(**values)
    return str(raised.value)


# --- production refusal -------------------------------------------------------------------


def test_development_defaults_start() -> None:
    assert settings().link_secret == DEVELOPMENT_LINK_SECRET


def test_production_with_real_secrets_starts() -> None:
    assert production().environment == "production"


def test_production_names_every_development_default_at_once() -> None:
    message = refusal(environment="production")

    assert "NURTURE_LINK_SECRET must be set" in message
    assert "not SQLite" in message


@pytest.mark.parametrize("secret", [DEVELOPMENT_LINK_SECRET, "short-but-random-7f3a"])
def test_production_refuses_a_development_or_short_link_secret(secret: str) -> None:
    message = refusal(environment="production", link_secret=secret, database_url=POSTGRES_URL)

    assert "NURTURE_LINK_SECRET must be set to a random value of 32+" in message


@pytest.mark.parametrize("credentials", [{"smtp_username": "u"}, {"smtp_password": "p"}])
def test_production_refuses_smtp_credentials_in_clear(credentials: dict[str, str]) -> None:
    with pytest.raises(ValidationError, match="SMTP credentials would cross the network"):
        production(**credentials)

    assert production(**credentials, smtp_tls="starttls").smtp_tls == "starttls"


def test_development_allows_smtp_credentials_in_clear_to_a_local_sink() -> None:
    assert settings(smtp_username="u", smtp_password="p").smtp_tls == "none"


# --- reading the environment -------------------------------------------------------------


def test_settings_come_from_nurture_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NURTURE_SMTP_TLS", "implicit")
    monkeypatch.setenv("NURTURE_WORKER_MAX_CONCURRENT_ACTIVITIES", "7")
    monkeypatch.setenv("NURTURE_TEMPORAL_TLS", "true")

    loaded = settings()

    assert (loaded.smtp_tls, loaded.worker_max_concurrent_activities) == ("implicit", 7)
    assert loaded.temporal_tls is True


def test_an_empty_variable_means_unset(monkeypatch: pytest.MonkeyPatch) -> None:
    # docker-compose passes `${NURTURE_SMTP_USERNAME:-}` as an empty string when it is unset.
    monkeypatch.setenv("NURTURE_SMTP_USERNAME", "")
    monkeypatch.setenv("NURTURE_SMTP_PORT", "")

    loaded = settings()

    assert (loaded.smtp_username, loaded.smtp_port) == (None, 1025)


def test_worker_concurrency_has_lower_bounds() -> None:
    assert "greater than or equal to 2" in refusal(worker_max_concurrent_workflow_tasks=1)
    assert "greater than or equal to 1" in refusal(worker_max_concurrent_activities=0)


# --- SMTP TLS and its deprecated switch ---------------------------------------------------


def test_deprecated_starttls_switch_means_starttls() -> None:
    assert settings(smtp_starttls=True).smtp_tls == "starttls"
    assert settings(smtp_starttls=False).smtp_tls == "none"


def test_deprecated_starttls_switch_cannot_contradict_implicit_tls() -> None:
    assert "contradicts NURTURE_SMTP_TLS=implicit" in refusal(
        smtp_starttls=True, smtp_tls="implicit"
    )


def test_smtp_tls_mode_must_be_one_of_three() -> None:
    assert "'none', 'starttls' or 'implicit'" in refusal(smtp_tls="ssl")


# --- Temporal TLS -------------------------------------------------------------------------


@pytest.fixture
def pem_files(tmp_path: Path) -> dict[str, Path]:
    files = {"ca": b"CA PEM", "cert": b"CERT PEM", "key": b"KEY PEM"}
    for name, content in files.items():
        (tmp_path / f"{name}.pem").write_bytes(content)
    return {name: tmp_path / f"{name}.pem" for name in files}


def test_temporal_connection_is_plain_unless_tls_is_on() -> None:
    assert temporal_tls(settings()) is False


def test_temporal_tls_without_files_uses_the_system_roots() -> None:
    assert temporal_tls(settings(temporal_tls=True)) == TLSConfig()


def test_temporal_tls_reads_the_ca_and_client_certificate(pem_files: dict[str, Path]) -> None:
    config = temporal_tls(
        settings(
            temporal_tls=True,
            temporal_tls_ca_path=pem_files["ca"],
            temporal_tls_cert_path=pem_files["cert"],
            temporal_tls_key_path=pem_files["key"],
        )
    )

    assert config == TLSConfig(
        server_root_ca_cert=b"CA PEM", client_cert=b"CERT PEM", client_private_key=b"KEY PEM"
    )


def test_tls_files_without_tls_are_refused(pem_files: dict[str, Path]) -> None:
    message = refusal(temporal_tls_ca_path=pem_files["ca"])

    assert "NURTURE_TEMPORAL_TLS_*_PATH is set but NURTURE_TEMPORAL_TLS is false" in message


def test_client_certificate_and_key_go_together(pem_files: dict[str, Path]) -> None:
    message = refusal(temporal_tls=True, temporal_tls_cert_path=pem_files["cert"])

    assert "NURTURE_TEMPORAL_TLS_CERT_PATH and NURTURE_TEMPORAL_TLS_KEY_PATH go together" in (
        message
    )


def test_a_missing_certificate_file_is_refused_at_start(tmp_path: Path) -> None:
    message = refusal(temporal_tls=True, temporal_tls_ca_path=tmp_path / "absent.pem")

    assert "temporal_tls_ca_path" in message
    assert "Path does not point to a file" in message


def test_an_api_key_is_never_sent_in_clear() -> None:
    assert "NURTURE_TEMPORAL_API_KEY needs NURTURE_TEMPORAL_TLS=true" in refusal(
        temporal_api_key="secret-key"
    )
    with_tls = settings(temporal_api_key="secret-key", temporal_tls=True)
    assert with_tls.temporal_api_key is not None
    assert "secret-key" not in repr(with_tls)


# --- the README's settings table ----------------------------------------------------------


def readme_settings_table() -> dict[str, str]:
    """`NURTURE_X` -> its Default cell, from the table in the README's Operations section.

    A row may list several variables separated by " / ", with one default each or one for all.
    """
    text = README.read_text(encoding="utf-8")
    operations = text.split("\n## Operations\n", 1)[1].split("\n## ", 1)[0]
    table: dict[str, str] = {}
    for line in operations.splitlines():
        cells = [cell.strip() for cell in line.strip().strip("|").split("|")]
        if len(cells) < 3 or not cells[0].startswith("`NURTURE_"):
            continue
        names = re.findall(r"`(NURTURE_[A-Z0-9_]+)`", cells[0])
        defaults = cells[1].split(" / ")
        if len(defaults) == 1:
            defaults *= len(names)
        assert len(defaults) == len(names), f"README row {line!r}: one default per variable"
        for name, default in zip(names, defaults, strict=True):
            assert name not in table, f"{name} is listed twice in the README"
            table[name] = default
    return table


def readme_default(value: object) -> str:
    """How the README writes a default: `unset` for None, else the value in backticks."""
    if value is None:
        return "unset"
    if isinstance(value, SecretStr):
        value = value.get_secret_value()  # a development default, public by design
    if isinstance(value, bool):
        return f"`{str(value).lower()}`"
    if isinstance(value, float) and value.is_integer():
        return f"`{int(value)}`"
    return f"`{value}`"


def test_readme_lists_every_setting_with_its_default() -> None:
    table = readme_settings_table()
    expected = {
        f"NURTURE_{name.upper()}": readme_default(field.default)
        for name, field in Settings.model_fields.items()
    }

    missing = sorted(expected.keys() - table.keys())
    unknown = sorted(table.keys() - expected.keys())
    assert not missing, f"settings missing from the README table: {missing}"
    assert not unknown, f"README lists variables that are not settings: {unknown}"
    wrong_defaults = {
        name: {"readme": table[name], "settings": default}
        for name, default in expected.items()
        if table[name] != default
    }
    assert wrong_defaults == {}


def test_readme_table_parser_reads_shared_and_split_defaults() -> None:
    table = readme_settings_table()

    assert table["NURTURE_SMTP_HOST"] == "`localhost`"
    assert table["NURTURE_SMTP_PORT"] == "`1025`"
    assert table["NURTURE_SMTP_USERNAME"] == table["NURTURE_SMTP_PASSWORD"] == "unset"
