"""The publish page's view of a definition: numbered excerpts with each problem at its line."""

from __future__ import annotations

from api.schemas import DefinitionErrorOut
from api.ui.source_view import LineProblem, annotate

SOURCE = "\n".join(f"line {number}" for number in range(1, 31))


def problem(line: int | None, message: str = "bad", path: str = "rules[0]") -> DefinitionErrorOut:
    return DefinitionErrorOut(path=path, message=message, line=line)


def test_each_problem_is_attached_to_its_line_with_context_around_it() -> None:
    annotated = annotate(SOURCE, [problem(10, "unknown stage 'ofer'")], context=2)

    [excerpt] = annotated.excerpts
    assert [line.number for line in excerpt] == [8, 9, 10, 11, 12]
    assert excerpt[2].text == "line 10"
    assert excerpt[2].problems == (LineProblem("rules[0]", "unknown stage 'ofer'"),)
    assert all(not line.problems for line in excerpt if line.number != 10)
    assert annotated.lines_with_problems == [10]


def test_nearby_problems_share_an_excerpt_and_distant_ones_do_not() -> None:
    annotated = annotate(SOURCE, [problem(20), problem(5), problem(8), problem(8, "again")])

    assert [[line.number for line in excerpt] for excerpt in annotated.excerpts] == [
        [3, 4, 5, 6, 7, 8, 9, 10],
        [18, 19, 20, 21, 22],
    ]
    eight = annotated.excerpts[0][5]
    assert [p.message for p in eight.problems] == ["bad", "again"]
    assert annotated.lines_with_problems == [5, 8, 20]


def test_problems_without_a_line_are_kept_apart_and_lines_past_the_end_show_on_the_last() -> None:
    annotated = annotate(
        "a: 1\nb: 2", [problem(None, "the body is empty", path=""), problem(99, "is required")]
    )

    assert annotated.unplaced == ["the body is empty"]
    [excerpt] = annotated.excerpts
    assert [(line.number, [p.message for p in line.problems]) for line in excerpt] == [
        (1, []),
        (2, ["is required"]),
    ]


def test_empty_source_still_has_one_line() -> None:
    annotated = annotate("", [problem(1, "a journey is a mapping", path="")])

    assert [[line.number for line in excerpt] for excerpt in annotated.excerpts] == [[1]]
