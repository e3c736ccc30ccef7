"""API keys and roles against the real app and database: who may call what, revoked keys,
salespeople and each other's tasks, the CLI's keys, and the web UI's login, roles and forms."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI
from pydantic import ValidationError
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner

from api.app import create_app
from api.sessions import SESSION_COOKIE
from nurture.api_keys import bearer_header, create_key
from nurture.cli import app as cli_app
from nurture.db import Database
from nurture.settings import Settings
from tests.integration.api_driver import Api, eventually, journey_yaml, unique

DEMO = (Path(__file__).parents[2] / "definitions" / "b2b_funnel.yaml").read_text()
MARTA = "marta.nowak@northwind.example.com"
PIOTR = "piotr.lis@northwind.example.com"
ORIGIN = {"origin": "http://testserver"}
KEY_NEEDED = "an API key is needed"

# One representative route per group, and what each role gets from it: 401 without a key,
# 403 for a role outside the group, and otherwise the route's own answer (404: the journey or
# prospect is unknown, 422: not an e-mail) - past the door, whatever it is.
ROUTES: list[tuple[str, str, dict[str, Any]]] = [
    ("GET", "/journeys", {}),
    ("POST", "/journeys/nowhere/enrollments", {"json": {"id": "ada", "email": "a@example.com"}}),
    ("POST", "/events", {"json": {"id": "e1", "prospect_id": "nobody", "type": "email_replied"}}),
    ("POST", "/inbound/email", {"content": b"\x00", "headers": {"content-type": "text/plain"}}),
    ("GET", "/tasks", {}),
    ("GET", "/keys", {}),
    ("GET", "/health", {}),
    ("GET", "/t/not-a-token", {}),
]
EXPECTED: dict[str | None, list[int]] = {
    # journeys, enrol, events, inbound, tasks, keys, health, link
    "admin": [200, 404, 404, 422, 200, 200, 200, 404],
    "marketer": [200, 404, 403, 403, 403, 403, 200, 404],
    "sales": [403, 403, 403, 403, 200, 403, 200, 404],
    "integration": [403, 404, 404, 422, 403, 403, 200, 404],
    None: [401, 401, 401, 401, 401, 401, 200, 404],
}
# The documented operations anyone may call: probes and the signed links in e-mails.
PUBLIC_OPERATIONS = {
    "GET /health",
    "GET /ready",
    "GET /t/{token}",
    "GET /u/{token}",
    "POST /u/{token}",
}


@pytest_asyncio.fixture
async def app(settings: Settings, database: Database, temporal_env: WorkflowEnvironment) -> FastAPI:
    return create_app(settings=settings, db=database, temporal=temporal_env.client)


@asynccontextmanager
async def client(app: FastAPI, key: str | None = None) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://testserver",
        headers=bearer_header(key) if key else None,
    ) as http:
        yield http


async def new_key(database: Database, role: str, **fields: Any) -> str:
    async with database.session() as session:
        issued = await create_key(session, name=f"{role} key", role=role, **fields)
    return issued.key


async def key_of(database: Database, settings: Settings, role: str | None) -> str | None:
    if role is None:
        return None
    if role == "admin":
        return settings.admin_key.get_secret_value()
    return await new_key(database, role, user="someone@example.com" if role == "sales" else None)


# --- the API ------------------------------------------------------------------------------


@pytest.mark.parametrize("role", list(EXPECTED))
async def test_each_role_gets_exactly_its_groups(
    app: FastAPI, database: Database, settings: Settings, role: str | None
) -> None:
    key = await key_of(database, settings, role)
    answers = []
    async with client(app, key) as http:
        for method, path, options in ROUTES:
            response = await http.request(method, path, **options)
            answers.append(response.status_code)
            if response.status_code == 401:
                assert response.headers["www-authenticate"].startswith("Bearer")
                assert KEY_NEEDED in response.json()["detail"]
            if response.status_code == 403:
                assert f"is a {role} key" in response.json()["detail"].replace(" an ", " a ")

    assert answers == EXPECTED[role]


async def test_the_refusals_name_the_reason(app: FastAPI, database: Database) -> None:
    marketer = await new_key(database, "marketer")
    key_id = marketer.split("_")[1]
    forged = f"nk_{key_id}_{'x' * 43}"

    async with client(app) as http:
        by_header = await http.get("/journeys", headers={"x-api-key": marketer})
        garbled = await http.get("/journeys", headers=bearer_header("letmein"))
        wrong_secret = await http.get("/journeys", headers=bearer_header(forged))
        sales_only = await http.get("/tasks", headers=bearer_header(marketer))

    assert by_header.status_code == 200
    assert (garbled.status_code, garbled.json()["detail"]) == (
        401,
        "not a Nurture API key (they look like nk_<id>_<secret>)",
    )
    assert garbled.headers["www-authenticate"] == 'Bearer realm="nurture", error="invalid_token"'
    assert (wrong_secret.status_code, wrong_secret.json()["detail"]) == (401, "unknown API key")
    assert (sales_only.status_code, sales_only.json()["detail"]) == (
        403,
        f"this needs a sales key (or an admin key); key {key_id} is a marketer key",
    )


async def test_an_admin_makes_lists_and_revokes_keys_and_a_revoked_key_is_refused(
    app: FastAPI, settings: Settings
) -> None:
    async with client(app, settings.admin_key.get_secret_value()) as admin, client(app) as anyone:
        made = await admin.post("/keys", json={"name": "Mia", "role": "marketer"})
        assert made.status_code == 201, made.text
        key, key_id = made.json()["key"], made.json()["id"]
        assert key.startswith(f"nk_{key_id}_")
        assert (await anyone.get("/journeys", headers=bearer_header(key))).status_code == 200

        listed = (await admin.get("/keys")).json()
        revoked = await admin.delete(f"/keys/{key_id}")
        refused = await anyone.get("/journeys", headers=bearer_header(key))
        unknown = await admin.delete("/keys/000000000000")
        salesperson = await admin.post("/keys", json={"name": "Jan", "role": "sales"})

    [row] = listed
    assert row["id"] == key_id and row["last_used_at"] is not None
    assert "key" not in row and "hash" not in row  # never the secret, nor its hash
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert refused.status_code == 401
    assert refused.json()["detail"].startswith(f"API key {key_id} was revoked on ")
    assert unknown.status_code == 404
    assert salesperson.status_code == 422
    [problem] = salesperson.json()["detail"]
    assert problem["msg"] == "a sales key needs the user whose tasks it sees (or manager)"


async def test_every_operation_needs_a_key_unless_it_is_public(app: FastAPI) -> None:
    document = app.openapi()
    open_operations = {
        f"{method.upper()} {path}"
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        if "security" not in operation
    }

    # A router included without a group would show up here: access fails closed, in review.
    assert open_operations == PUBLIC_OPERATIONS
    assert set(document["components"]["securitySchemes"]) == {"HTTPBearer", "APIKeyHeader"}


async def test_production_refuses_the_development_admin_key() -> None:
    with pytest.raises(ValidationError) as refused:
        Settings(_env_file=None, environment="production")
    message = str(refused.value)

    # One message naming every problem, the admin key among them.
    assert "NURTURE_ADMIN_KEY must be set to a random value of 32+ characters" in message
    assert "NURTURE_LINK_SECRET must be set" in message
    good = "k" * 32
    started = Settings(
        _env_file=None,
        environment="production",
        link_secret=good,
        admin_key=good,
        database_url="postgresql+asyncpg://nurture:pw@db/nurture",
    )
    assert started.admin_key.get_secret_value() == good


async def test_the_cli_makes_a_key_that_works_and_revokes_it(
    app: FastAPI, database: Database, database_url: str
) -> None:
    def nurture(*arguments: str) -> Any:
        return CliRunner().invoke(cli_app, [*arguments, "--database-url", database_url])

    made = await asyncio.to_thread(
        nurture, "keys", "create", "--role", "sales", "--name", "Marta", "--user", MARTA
    )
    assert made.exit_code == 0, made.output
    key = made.stdout.strip()
    key_id = key.split("_")[1]
    async with client(app, key) as http:
        assert (await http.get("/tasks")).status_code == 200
        assert (await http.get("/journeys")).status_code == 403

        listed = await asyncio.to_thread(nurture, "keys", "list")
        revoked = await asyncio.to_thread(nurture, "keys", "revoke", key_id)
        assert (await http.get("/tasks")).status_code == 401

    assert key_id in listed.stdout and "Marta" in listed.stdout
    assert key not in listed.stdout
    assert revoked.exit_code == 0 and f"revoked {key_id} (Marta)" in revoked.stdout
    refused = await asyncio.to_thread(nurture, "keys", "create", "--role", "sales", "--name", "X")
    assert refused.exit_code == 1


# --- salespeople and each other's tasks ---------------------------------------------------


async def test_a_salesperson_sees_and_works_only_their_own_tasks(
    api: Api, settings: Settings
) -> None:
    await api.publish(DEMO.replace("journey: b2b-funnel", "journey: {journey_id}", 1))
    enrolled = await api.enroll("ola", attributes={"country": "PL"})  # Poland: Marta's
    assert enrolled.status_code == 201, enrolled.text
    await api.post_event("ola-ebook", "ola", "form_submitted", form_id="ebook-download")

    async def handed_off() -> list[Any] | None:
        return (await api.http.get("/tasks", params={"prospect_id": "ola"})).json() or None

    [task] = await eventually(handed_off)
    assert task["assignee"] == MARTA
    # The driver's app and database, reached with other keys.
    app = create_app(settings=settings, db=api.db, temporal=api.temporal.client)
    marta_key = await new_key(api.db, "sales", user=MARTA)
    piotr_key = await new_key(api.db, "sales", user=PIOTR)
    one = f"/tasks/{task['id']}"
    outcome = {"outcome": "contacted"}

    async with client(app, piotr_key) as piotr:
        # Piotr: nothing in his lists, and Marta's task does not exist for him.
        assert (await piotr.get("/tasks")).json() == []
        assert (await piotr.get("/tasks", params={"assignee": MARTA})).json() == []
        assert (await piotr.get(one)).status_code == 404
        assert (await piotr.post(f"{one}/outcome", json=outcome)).status_code == 404
        assert (await piotr.post(f"{one}/reassign", json={"assignee": PIOTR})).status_code == 404
    async with client(app, marta_key) as marta:
        assert [row["id"] for row in (await marta.get("/tasks")).json()] == [task["id"]]
        assert (await marta.get(one)).status_code == 200
    async with client(app, await new_key(api.db, "sales", manager=True)) as manager:
        listed = await manager.get("/tasks", params={"prospect_id": "ola"})
        acted = await manager.post(f"{one}/outcome", json=outcome)
    assert [row["id"] for row in listed.json()] == [task["id"]]
    assert acted.status_code == 200, acted.text
    assert acted.json()["task"]["status"] == "in_progress"

    # The inbox follows the same rule.
    async with logged_in(app, piotr_key) as piotr:
        inbox = await piotr.get("/ui/inbox")
        page = await piotr.get(f"/ui/inbox/tasks/{task['id']}")
    assert inbox.status_code == 200 and task["title"] not in inbox.text
    assert 'id="assignee"' not in inbox.text  # no picker: he is who his key says he is
    assert page.status_code == 404
    async with logged_in(app, marta_key) as marta:
        assert task["title"] in (await marta.get("/ui/inbox")).text


# --- the web UI ---------------------------------------------------------------------------


@asynccontextmanager
async def logged_in(app: FastAPI, key: str) -> AsyncIterator[httpx.AsyncClient]:
    """A browser-like client (cookies, no key header), logged in through the login form."""
    async with client(app) as browser:
        response = await browser.post("/ui/login", data={"key": key}, headers=ORIGIN)
        assert response.status_code == 303, response.text
        yield browser


async def test_a_page_without_a_session_goes_to_the_login_page_and_back(
    app: FastAPI, database: Database
) -> None:
    key = await new_key(database, "marketer")
    async with client(app) as browser:
        away = await browser.get("/ui/journeys?view=all")
        form = await browser.get(away.headers["location"])
        refused = await browser.post(
            "/ui/login", data={"key": "nk_000000000000_" + "x" * 43}, headers=ORIGIN
        )
        assert SESSION_COOKIE not in browser.cookies
        accepted = await browser.post(
            "/ui/login", data={"key": key, "next": "/ui/journeys?view=all"}, headers=ORIGIN
        )
        cookie = accepted.headers["set-cookie"]
        home = await browser.get("/ui/journeys")

    assert (away.status_code, away.headers["location"]) == (
        303,
        "/ui/login?next=/ui/journeys%3Fview%3Dall",
    )
    assert 'name="next" value="/ui/journeys?view=all"' in form.text
    assert refused.status_code == 401
    assert "That key was refused: unknown API key." in refused.text
    assert (accepted.status_code, accepted.headers["location"]) == (303, "/ui/journeys?view=all")
    assert key not in cookie  # the session names the key's id, never the key
    for flag in ("HttpOnly", "SameSite=strict", "Path=/"):
        assert flag.lower() in cookie.lower()
    assert "secure" not in cookie.lower()  # served over http here
    assert (
        home.status_code == 200 and "marketer key" in home.text and "Sales inbox" not in (home.text)
    )


async def test_the_ui_refuses_wrong_roles_revoked_keys_and_integrations(
    app: FastAPI, database: Database, settings: Settings
) -> None:
    sales = await new_key(database, "sales", user=MARTA)
    integration = await new_key(database, "integration")
    async with logged_in(app, sales) as browser:
        forbidden = await browser.get("/ui/journeys")
        inbox = await browser.get("/ui/inbox")
        async with client(app, settings.admin_key.get_secret_value()) as admin:
            await admin.delete(f"/keys/{sales.split('_')[1]}")
        after_revoking = await browser.get("/ui/inbox")
        not_for_ui = await browser.post("/ui/login", data={"key": integration}, headers=ORIGIN)

    assert forbidden.status_code == 403
    assert "Your key (sales) cannot open journeys" in forbidden.text
    assert inbox.status_code == 200 and MARTA in inbox.text
    assert (after_revoking.status_code, after_revoking.headers["location"]) == (
        303,
        "/ui/login?next=/ui/inbox",
    )
    assert not_for_ui.status_code == 403
    assert "A key of the integration role has no pages to open here." in not_for_ui.text


async def test_a_form_posted_from_another_site_is_refused(app: FastAPI, database: Database) -> None:
    journey_id = unique("journey")
    form = {"source": journey_yaml(journey_id), "action": "publish"}
    async with logged_in(app, await new_key(database, "marketer")) as browser:
        foreign = await browser.post(
            "/ui/publish", data=form, headers={"origin": "https://evil.example"}
        )
        unsigned = await browser.post("/ui/publish", data=form)
        foreign_referer = await browser.post(
            "/ui/publish", data=form, headers={"referer": "https://evil.example/page"}
        )
        published_by_nobody = await browser.get("/journeys")
        ours = await browser.post("/ui/publish", data=form, headers=ORIGIN)
        out = await browser.post("/ui/logout", headers=ORIGIN)
        after_logout = await browser.get("/ui/journeys")

    for refused in (foreign, unsigned, foreign_referer):
        assert refused.status_code == 403
        assert "This form was sent from another site" in refused.text
    # Read with the session cookie (GET only): nothing was published by the refused posts.
    assert published_by_nobody.json() == []
    assert (ours.status_code, ours.headers["location"]) == (
        303,
        f"/ui/journeys/{journey_id}?version=1",
    )
    assert (out.status_code, out.headers["location"]) == (303, "/ui/login")
    assert after_logout.status_code == 303


async def test_the_session_reads_the_api_but_never_writes_through_it(
    app: FastAPI, database: Database
) -> None:
    async with logged_in(app, await new_key(database, "marketer")) as browser:
        export = await browser.get("/prospects/nobody/export")
        publish = await browser.post(
            "/journeys",
            content=journey_yaml(unique("journey")),
            headers={**ORIGIN, "content-type": "application/yaml"},
        )

    assert export.status_code == 404  # past the door: the prospect is unknown
    assert publish.status_code == 401
    assert KEY_NEEDED in publish.json()["detail"]
