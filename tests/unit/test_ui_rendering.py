"""Flash messages survive the redirect in a cookie, once, and a cookie we cannot read is dropped."""

from __future__ import annotations

from http.cookies import SimpleCookie

from starlette.requests import Request

from api.ui.rendering import FLASH_COOKIE, Flash, read_flashes, redirect, sentence


def request_with(cookie_value: str) -> Request:
    header = f"{FLASH_COOKIE}={cookie_value}".encode()
    return Request({"type": "http", "headers": [(b"cookie", header)]})


def test_a_flash_set_by_a_redirect_is_read_back_on_the_next_page() -> None:
    flash = Flash("success", "Recorded “Won” for “Call them”; <b>not</b> markup")
    response = redirect("/ui/inbox", flash=flash)

    assert response.status_code == 303
    assert response.headers["location"] == "/ui/inbox"
    cookie = SimpleCookie(response.headers["set-cookie"])[FLASH_COOKIE]
    assert cookie["path"] == "/ui" and cookie["httponly"]
    assert read_flashes(request_with(cookie.value)) == [flash]


def test_an_unreadable_or_forged_cookie_shows_nothing() -> None:
    assert read_flashes(request_with("not-json")) == []
    assert (
        read_flashes(request_with("%5B%7B%22kind%22%3A%22evil%22%2C%22text%22%3A%22x%22%7D%5D"))
        == []
    )
    assert read_flashes(Request({"type": "http", "headers": []})) == []


def test_messages_start_a_sentence_without_losing_their_case() -> None:
    assert sentence("task abc is closed: recorded 2026-09-01 10:00 UTC") == (
        "Task abc is closed: recorded 2026-09-01 10:00 UTC"
    )
    assert sentence("") == ""
