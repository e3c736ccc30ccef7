"""Return dates, one test per rule of docs/inbound-semantics.md."""

from __future__ import annotations

from datetime import date

import pytest

from inbound.dates import find_return_date

# A Thursday; most cases below are read as if the notice was sent on this day.
SENT = date(2026, 8, 20)


def return_date(text: str, sent: date = SENT) -> date | None:
    found = find_return_date(text, sent=sent)
    return found.date if found else None


@pytest.mark.parametrize(
    "text",
    [
        "I am on vacation until 15 September.",
        "Out of the office till September 15th.",
        "Jestem na urlopie do 15 września.",
        "Ich bin bis 15. September nicht im Büro.",
        "Ich bin bis zum 15.09. nicht erreichbar.",
        "Ich bin bis Dienstag, den 15.09. abwesend.",
    ],
)
def test_until_x_is_x(text: str) -> None:
    assert return_date(text) == date(2026, 9, 15)


@pytest.mark.parametrize(
    "text",
    [
        "I am away through 14 September.",
        "I am away until 14 September inclusive.",
        "Jestem na urlopie do 14.09 włącznie.",
        "Ich bin bis einschließlich 14.09. abwesend.",
        "Ich bin bis einschl. 14.09. abwesend.",
    ],
)
def test_an_inclusive_end_is_the_next_day(text: str) -> None:
    assert return_date(text) == date(2026, 9, 15)


@pytest.mark.parametrize(
    "text",
    [
        "I will be back on 15.09.",
        "Returning 15 September.",
        "I will return on September 15.",
        "I will be back in the office on Tuesday, 15 September.",
        "Wracam 15.09.",
        "Będę z powrotem 15 września.",
        "Będę dostępny od 15.09.",
        "Zurück am 15.09.2026.",
        "Ab dem 15. September bin ich wieder im Büro.",
        "Ab 15.09. wieder erreichbar.",
        "I will be available again from 15 September.",
    ],
)
def test_a_return_on_x_is_x(text: str) -> None:
    assert return_date(text) == date(2026, 9, 15)


@pytest.mark.parametrize(
    "text",
    [
        "I am on leave from 1 to 14 September.",
        "I am on leave 1 \u2013 14 September.",
        "I am on leave 01.09 - 14.09.",
        "I am on leave between 1 and 14 September.",
        "Jestem na urlopie od 1 do 14 września.",
        "Urlop 1-14.09.",
        "Ich bin vom 1. bis 14. September im Urlaub.",
        "Urlaub: 01.09.2026 bis 14.09.2026.",
        "I am away September 1-14.",
    ],
)
def test_a_range_of_absence_ends_the_day_after_its_last_day(text: str) -> None:
    assert return_date(text) == date(2026, 9, 15)


def test_a_range_across_the_new_year_ends_in_the_next_year() -> None:
    late_december = date(2026, 12, 22)

    assert return_date("On holiday from 28 December to 3 January.", late_december) == date(
        2027, 1, 4
    )


def test_a_date_without_year_later_this_year_is_this_year() -> None:
    assert return_date("Back on 2 November.") == date(2026, 11, 2)


def test_a_date_without_year_up_to_60_days_ago_is_a_stale_notice() -> None:
    found = find_return_date("I am on vacation until 1 July.", sent=SENT)  # 50 days before

    assert found is not None
    assert found.date is None
    assert found.stale


def test_a_date_without_year_more_than_60_days_ago_is_next_year() -> None:
    assert return_date("I am on vacation until 15 June.") == date(2027, 6, 15)  # 66 days before


def test_early_january_in_late_december_is_next_year() -> None:
    assert return_date("Back on 5 January.", date(2026, 12, 22)) == date(2027, 1, 5)


def test_a_date_on_the_sent_day_is_not_stale() -> None:
    assert return_date("Back on 20 August.") == SENT


def test_an_explicit_past_year_gives_no_date() -> None:
    assert return_date("I am on vacation until 15.09.2025.") is None


def test_an_explicit_date_before_the_sent_date_gives_no_date() -> None:
    assert return_date("I am on vacation until 10.08.2026.") is None


def test_a_weekday_is_the_first_such_day_strictly_after_the_sent_date() -> None:
    assert return_date("Back on Monday.") == date(2026, 8, 24)
    assert return_date("Back on Thursday.") == date(2026, 8, 27)  # sent on a Thursday
    assert return_date("Wracam w poniedziałek.") == date(2026, 8, 24)
    assert return_date("Ab Montag wieder im Büro.") == date(2026, 8, 24)


def test_a_weekday_with_a_day_number_is_the_next_day_with_that_number() -> None:
    assert return_date("Back on Thursday 3rd.") == date(2026, 9, 3)


@pytest.mark.parametrize("text", ["Back tomorrow.", "Wracam jutro.", "Ab morgen wieder im Büro."])
def test_tomorrow_is_the_day_after_sending(text: str) -> None:
    assert return_date(text) == date(2026, 8, 21)


@pytest.mark.parametrize(
    "text",
    ["Back next week.", "Wracam w przyszłym tygodniu.", "Ab nächster Woche wieder im Büro."],
)
def test_next_week_is_the_monday_of_next_week(text: str) -> None:
    assert return_date(text) == date(2026, 8, 24)


def test_next_week_sent_on_a_sunday_is_the_next_day() -> None:
    assert return_date("Back next week.", date(2026, 8, 23)) == date(2026, 8, 24)


@pytest.mark.parametrize(
    "text",
    [
        "until 15.09",
        "until 15.09.",
        "until 15.09.2026",
        "until 15/09/2026",
        "until 2026-09-15",
        "until 15-09-2026",
        "until 15.09.26",
    ],
)
def test_numeric_forms(text: str) -> None:
    assert return_date(text) == date(2026, 9, 15)


def test_numeric_dates_are_day_first() -> None:
    assert return_date("until 05.09") == date(2026, 9, 5)


@pytest.mark.parametrize(
    "text",
    [
        "do 15 września",
        "do 15 wrzesień",
        "do 15 wrz.",
        "do 15 wrzesnia",
        "until 15 Sept",
        "until Sep 15",
        "until the 15th of September",
        "bis 15. Sept.",
        "bis zum 15. September",
    ],
)
def test_month_names_and_ordinals(text: str) -> None:
    assert return_date(text) == date(2026, 9, 15)


def test_german_march_with_or_without_umlaut() -> None:
    sent = date(2026, 2, 20)

    assert return_date("bis 3. März", sent) == date(2026, 3, 3)
    assert return_date("bis 3. Maerz", sent) == date(2026, 3, 3)


def test_an_explicit_return_beats_the_end_of_absence() -> None:
    text = "I am away until Friday 11 September and back on Monday 14 September."

    assert return_date(text) == date(2026, 9, 14)


def test_a_date_without_words_saying_what_it_is_does_not_count() -> None:
    assert find_return_date("The conference takes place on 15.09.", sent=SENT) is None


def test_a_clock_time_is_not_a_date() -> None:
    assert find_return_date("Ich bin heute bis 15.30 Uhr erreichbar.", sent=SENT) is None


def test_no_date_at_all() -> None:
    text = "I am out of the office with limited access to e-mail."

    assert find_return_date(text, sent=SENT) is None


def test_the_phrase_names_the_deciding_words() -> None:
    found = find_return_date("Jestem na urlopie do 15 września.", sent=SENT)

    assert found is not None
    assert found.phrase == "do 15 września"


@pytest.mark.parametrize(
    "text",
    ["Ich bin am 15.09. zurück.", "Ich bin nächste Woche wieder im Büro.", "15.09. back."],
)
def test_a_return_word_after_the_date_counts(text: str) -> None:
    expected = date(2026, 8, 24) if "Woche" in text else date(2026, 9, 15)

    assert return_date(text) == expected


def test_the_end_of_a_period_is_not_a_date() -> None:
    assert find_return_date("Jestem na urlopie do końca tygodnia.", sent=SENT) is None
