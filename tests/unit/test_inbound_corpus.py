"""The classifier against the labelled corpus: the accuracy targets must hold."""

from __future__ import annotations

from bench.inbound_accuracy import DEFAULT_CORPUS, evaluate

KIND_TARGET = 0.95
DATE_TARGET = 0.95


def test_the_corpus_is_classified_accurately() -> None:
    report = evaluate(DEFAULT_CORPUS, with_baseline=False)
    misses = "\n".join(
        f"{miss['file']}: expected {miss['expected']}, got {miss['got']} ({miss['reason']})"
        for miss in report.misses
    )

    assert report.total > 0
    assert report.kind_accuracy >= KIND_TARGET, misses
    assert report.date_accuracy >= DATE_TARGET, misses
