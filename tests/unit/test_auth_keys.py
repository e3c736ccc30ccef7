"""API keys without a database: their shape, the hash kept instead of the secret, parsing what
a caller presents, who sees which task, the role check, and the UI's signed sessions."""

from __future__ import annotations

import hashlib
import re
from datetime import UTC, datetime, timedelta

import pytest
from fastapi import HTTPException

from api.access import ui_home, ui_sections
from api.auth import Principal, allow
from api.sessions import SESSION_LIFETIME, cookie_options, issue_session, read_session
from nurture.api_keys import (
    ApiKey,
    KeyRequestInvalid,
    MalformedKey,
    Role,
    format_key,
    hash_secret,
    key_request_problems,
    new_key,
    parse_key,
    secret_matches,
)
from nurture.settings import Settings

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
SECRET = "Ab3_-x" * 7 + "Q"  # 43 characters, as token_urlsafe(32) makes; `_` and `-` included


def settings(**values: str) -> Settings:
    return Settings(_env_file=None, **values)  # type: ignore[arg-type]


# --- keys ---------------------------------------------------------------------------------


def test_a_new_key_is_nk_id_secret_and_only_the_secrets_hash_is_kept() -> None:
    issued = new_key(name="Mia", role="marketer", user=None, manager=False)

    match = re.fullmatch(r"nk_([0-9a-f]{12})_([A-Za-z0-9_-]{43})", issued.key)
    assert match is not None, issued.key
    key_id, secret = match.groups()
    assert issued.record.id == key_id
    assert issued.record.hash == hashlib.sha256(secret.encode()).hexdigest()
    assert secret not in issued.record.model_dump_json()


def test_every_key_is_new() -> None:
    keys = {new_key(name="k", role="admin", user=None, manager=False).key for _ in range(50)}
    ids = {key.split("_")[1] for key in keys}

    assert (len(keys), len(ids)) == (50, 50)


def test_a_presented_key_is_parsed_even_when_its_secret_holds_underscores() -> None:
    presented = parse_key(f"  {format_key(key_id='0123456789ab', secret=SECRET)}\n")

    assert (presented.id, presented.secret) == ("0123456789ab", SECRET)


@pytest.mark.parametrize(
    "text",
    [
        "",
        "nk_",
        "letmein",
        f"Bearer nk_0123456789ab_{SECRET}",
        f"nk_0123456789AB_{SECRET}",  # ids are lower-case hex
        f"nk_0123456789a_{SECRET}",  # one character short
        "nk_0123456789ab_tooshort",
        f"nk_0123456789ab_{SECRET[:20]} {SECRET[20:]}",
        f"xk_0123456789ab_{SECRET}",
    ],
)
def test_anything_else_is_not_a_key(text: str) -> None:
    with pytest.raises(MalformedKey, match="not a Nurture API key"):
        parse_key(text)


def test_the_secret_must_hash_to_the_stored_hash() -> None:
    record = ApiKey(id="0123456789ab", name="n", role="sales", hash=hash_secret(SECRET))

    assert secret_matches(record, SECRET)
    assert not secret_matches(record, SECRET[:-1] + "R")
    assert not secret_matches(record, record.hash)  # the hash itself is no key


def test_a_key_that_cannot_work_is_refused_with_every_reason() -> None:
    assert key_request_problems(role="sales", user="marta@example.com", manager=False) == []
    assert key_request_problems(role="sales", user=None, manager=True) == []
    assert key_request_problems(role="sales", user=None, manager=False) == [
        "a sales key needs the user whose tasks it sees (or manager)"
    ]
    assert key_request_problems(role="boss", user=None, manager=True) == [
        "unknown role 'boss' (known: admin, marketer, sales, integration)",
        "manager applies to sales keys only",
    ]
    with pytest.raises(KeyRequestInvalid, match="needs the user"):
        new_key(name="Jan", role="sales", user="", manager=False)


# --- who may do what ------------------------------------------------------------------------


def test_a_salesperson_sees_their_own_tasks_a_manager_and_an_admin_all() -> None:
    marta = Principal(key_id="a", name="Marta", role="sales", user="marta@example.com")
    manager = Principal(key_id="b", name="Ewa", role="sales", manager=True)
    admin = Principal(key_id="c", name="Ops", role="admin")

    assert marta.may_see_task("marta@example.com")
    assert not marta.may_see_task("piotr@example.com")
    assert not marta.may_see_task(None)  # an unassigned task is nobody's own
    assert manager.may_see_task("piotr@example.com") and manager.may_see_task(None)
    assert admin.may_see_task("piotr@example.com")


def test_the_role_check_lets_admins_through_and_names_the_roles_needed() -> None:
    marketer = Principal(key_id="0123456789ab", name="Mia", role="marketer")
    admin = Principal(key_id="admin-key", name="Ops", role="admin")

    assert allow(marketer, ("marketer", "integration")) is marketer
    assert allow(admin, ()) is admin
    integration_only: tuple[Role, ...] = ("integration",)
    with pytest.raises(HTTPException) as refused:
        allow(marketer, integration_only)
    assert refused.value.status_code == 403
    assert refused.value.detail == (
        "this needs an integration key (or an admin key); key 0123456789ab is a marketer key"
    )
    with pytest.raises(HTTPException, match="this needs an admin key;"):
        allow(marketer, ())


def test_the_ui_shows_each_role_its_own_sections() -> None:
    sales = Principal(key_id="a", name="Marta", role="sales", user="m@example.com")
    marketer = Principal(key_id="b", name="Mia", role="marketer")
    admin = Principal(key_id="c", name="Ops", role="admin")

    assert (ui_sections(sales), ui_home(sales)) == (["inbox"], "/ui/inbox")
    assert ui_sections(marketer) == ["journeys", "prospects", "reports"]
    assert ui_sections(admin) == ["journeys", "prospects", "reports", "inbox"]
    assert ui_home(admin) == "/ui/"


# --- UI sessions --------------------------------------------------------------------------


def test_a_session_names_its_key_until_it_expires() -> None:
    config = settings()
    token = issue_session(config, key_id="0123456789ab", now=NOW)

    assert token.startswith("0123456789ab.")
    assert read_session(config, token, now=NOW + SESSION_LIFETIME - timedelta(seconds=1)) == (
        "0123456789ab"
    )
    assert read_session(config, token, now=NOW + SESSION_LIFETIME) is None


def test_a_session_cannot_be_forged_or_moved_to_another_key() -> None:
    config = settings()
    token = issue_session(config, key_id="0123456789ab", now=NOW)
    _, expires, signature = token.split(".")

    assert read_session(config, f"admin-key.{expires}.{signature}", now=NOW) is None
    assert read_session(config, f"0123456789ab.{int(expires) + 86400}.{signature}", now=NOW) is None
    for garbage in ("", "...", "0123456789ab", f"0123456789ab.{expires}.ą", token + "x"):
        assert read_session(config, garbage, now=NOW) is None


def test_changing_either_secret_ends_every_session() -> None:
    token = issue_session(settings(), key_id="admin-key", now=NOW)

    assert read_session(settings(), token, now=NOW) == "admin-key"
    assert read_session(settings(link_secret="another-link-secret"), token, now=NOW) is None
    assert read_session(settings(admin_key="another-admin-key"), token, now=NOW) is None


def test_the_session_cookie_is_secure_whenever_the_ui_is_served_over_https() -> None:
    plain = cookie_options(settings(public_base_url="http://localhost:8000"))
    served = cookie_options(settings(public_base_url="https://nurture.example.com"))

    assert (plain.httponly, plain.samesite, plain.path, plain.secure) == (
        True,
        "strict",
        "/",
        False,
    )
    assert served.secure is True
