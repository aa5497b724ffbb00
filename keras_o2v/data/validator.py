"""Validates whole channels and reports every bad record with file and line."""

import dataclasses
from typing import List, Tuple

from keras_o2v.data.records import iter_chunks
from keras_o2v.errors import DataError


@dataclasses.dataclass
class ValidationReport:
    """What `validate_files` found.

    Args:
        records: number of valid records.
        problems: `(path, line_number, message)` for every bad record.
        held_out: how many of the valid records a `holdout` holds out.
    """

    records: int
    problems: List[Tuple[str, int, str]]
    held_out: int = 0

    @property
    def ok(self):
        return not self.problems

    def raise_if_bad(self):
        if self.problems:
            raise DataError(self.problems)


def validate_files(path_or_paths, hyperparameters, require_label=True, holdout=None):
    """Reads a whole channel and lists every bad record (streams; any size).

    Args:
        path_or_paths: a JSON Lines file, a folder of shards, a list of them, or a
            `keras_o2v.data.records.ChannelPart`.
        hyperparameters: a `keras_o2v.Hyperparameters` (vocab sizes, classes).
        require_label: training and evaluation records need `label`.
        holdout: a `keras_o2v.data.holdout.HoldOut` whose held-out records are
            counted in `ValidationReport.held_out`.

    Returns:
        A `ValidationReport`.

    Example:
    >>> report = keras_o2v.validate_files("train.jsonl", hp)  # doctest: +SKIP
    >>> report.raise_if_bad()  # doctest: +SKIP
    """
    problems = []
    records = held_out = 0
    for chunk in iter_chunks(path_or_paths, hyperparameters, require_label=require_label,
                             collect_problems=problems):
        records += len(chunk)
        if holdout is not None:
            held_out += int(holdout.is_held_out(chunk).sum())
    return ValidationReport(records=records, problems=problems, held_out=held_out)
