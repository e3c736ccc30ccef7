"""Walking a stage's sequence: send, wait, wait for an event or a timeout, then end/loop/rule."""

from __future__ import annotations

from definitions.durations import format_duration
from definitions.model import (
    HandOverToRule,
    SendStep,
    Sequence,
    SplitStep,
    Trigger,
    WaitForStep,
    WaitStep,
)
from workflows.actions import (
    run_actions,
    run_split,
    send_content,
    stop_sequence,
    window_opening,
)
from workflows.matching import Happening, trigger_matches
from workflows.turn import Turn

# A definition without waits in a loop is rejected at load; this bounds a turn regardless.
MAX_STEPS_PER_TURN = 200


def sequence_may_run(turn: Turn) -> bool:
    """Sequences run only for an active prospect; paused and handed-off ones keep their place."""
    return turn.state.status == "active" and not turn.is_paused


def run_due_steps(turn: Turn) -> bool:
    """Carry out every step that is due now; returns whether anything happened."""
    progressed = False
    for _ in range(MAX_STEPS_PER_TURN):
        cursor = turn.state.cursor
        if cursor is None or cursor.due_at > turn.now or not sequence_may_run(turn):
            return progressed
        progressed = True
        sequence = turn.definition.sequences[cursor.stage]
        if cursor.step >= len(sequence.steps):
            _finish(turn, sequence)
            continue
        step = sequence.steps[cursor.step]
        label = f"{cursor.stage} step {cursor.step + 1}"
        if isinstance(step, SendStep):
            opening = window_opening(turn) if step.send not in turn.state.consumed else None
            if opening is not None:
                # The sequence waits with its e-mail, so the waits after it still count from
                # the moment it actually went out.
                cursor.due_at = opening
                turn.decide(
                    "sequence_step",
                    f"{label}: {step.send!r} waits for the send window "
                    f"(opens {opening:%Y-%m-%d %H:%M} UTC)",
                )
                return progressed
            cursor.step += 1
            if step.send in turn.state.consumed:
                # They found it on their own (or a skip ahead was caused by reading it).
                turn.decide("sequence_step", f"{label}: not sending {step.send!r}, already read")
            else:
                send_content(turn, step.send, f"{label} of the {cursor.stage} sequence")
        elif isinstance(step, WaitStep):
            cursor.step += 1
            cursor.due_at = turn.now + step.wait
            turn.decide("sequence_step", f"{label}: wait {format_duration(step.wait)}")
        elif isinstance(step, WaitForStep):
            _wait_for_or_time_out(turn, step, label)
        elif isinstance(step, SplitStep):
            cursor.step += 1
            run_split(turn, step.split, f"{label} of the {cursor.stage} sequence")
    stop_sequence(turn, f"more than {MAX_STEPS_PER_TURN} steps in one instant")
    return progressed


def _wait_for_or_time_out(turn: Turn, step: WaitForStep, label: str) -> None:
    cursor = turn.state.cursor
    assert cursor is not None  # checked by the caller; narrows the type
    wait_for = step.wait_for
    if cursor.waiting_until is None:
        cursor.waiting_until = cursor.due_at = turn.now + wait_for.timeout
        turn.decide(
            "sequence_step",
            f"{label}: wait up to {format_duration(wait_for.timeout)} for {wait_for.event}"
            + (f" of {wait_for.content!r}" if wait_for.content else ""),
        )
        return
    cursor.waiting_until = None
    _jump(turn, wait_for.on_timeout)
    turn.decide(
        "sequence_step",
        f"{label}: no {wait_for.event} within {format_duration(wait_for.timeout)}, "
        f"going to {wait_for.on_timeout}",
    )


def match_waiting_step(turn: Turn, happening: Happening) -> None:
    """An event the current `wait_for` step is waiting for moves the sequence on at once."""
    cursor = turn.state.cursor
    if cursor is None or cursor.waiting_until is None:
        return
    step = turn.definition.sequences[cursor.stage].steps[cursor.step]
    if not isinstance(step, WaitForStep):
        return
    wait_for = step.wait_for
    awaited = Trigger(event=wait_for.event, content=wait_for.content, form=wait_for.form)
    if not trigger_matches(awaited, happening):
        return
    cursor.waiting_until = None
    cursor.due_at = turn.now
    _jump(turn, wait_for.on_event)
    turn.decide(
        "sequence_step",
        f"{cursor.stage} step {cursor.step + 1}: {happening.describe()} arrived, "
        f"going to {wait_for.on_event}",
        event_id=happening.event_id,
    )


def _jump(turn: Turn, target: str) -> None:
    cursor = turn.state.cursor
    assert cursor is not None
    steps = turn.definition.sequences[cursor.stage].steps
    if target == "next":
        cursor.step += 1
    elif target == "end":
        cursor.step = len(steps)
    else:
        cursor.step = next(i for i, step in enumerate(steps) if step.id == target)


def _finish(turn: Turn, sequence: Sequence) -> None:
    cursor = turn.state.cursor
    assert cursor is not None
    if sequence.then == "loop":
        cursor.step = 0
        turn.decide("sequence_step", f"{cursor.stage} sequence finished; starting it again")
    elif isinstance(sequence.then, HandOverToRule):
        turn.state.cursor = None
        rule = turn.definition.rule(sequence.then.rule)
        turn.decide(
            "sequence_step",
            f"{cursor.stage} sequence finished; handing over to rule {rule.id!r}",
            rule_id=rule.id,
        )
        run_actions(turn, rule, f"rule {rule.id!r}: the {cursor.stage} sequence finished")
    else:
        turn.state.cursor = None
        turn.decide("sequence_step", f"{cursor.stage} sequence finished; waiting for the prospect")
