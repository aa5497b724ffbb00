"""The validation-only setting search shared by the retrieval benchmarks.

`movielens_retrieval.py`, `text_labels.py` and `kg_link_prediction.py` each keep a
`SEARCH` list of candidate settings for their keras_o2v retrieval row. `--search`
trains every candidate on the train part, scores it on validation only (test is not
read) and keeps the best; `--search-range` runs a part of the list, so a long search
can be split over several runs.

Example:
    >>> import argparse
    >>> parser = argparse.ArgumentParser()
    >>> add_search_arguments(parser)
    >>> args = parser.parse_args(["--search-range", "0,2"])
    >>> search_candidates(["a", "b", "c"], args.search_range)
    ['a', 'c']
"""

import json


def add_search_arguments(parser):
    """Adds `--search`, `--search-range` and `--validation-only` to an argparse parser."""
    parser.add_argument("--search", action="store_true",
                        help="rerun the validation-only search of the keras_o2v retrieval row")
    parser.add_argument("--search-range", default=":",
                        help="START:END, a slice of SEARCH to run, or comma-separated indices")
    parser.add_argument("--validation-only", action="store_true",
                        help="score validation only (tuning runs): test is not read")


def search_candidates(search, search_range=":"):
    """The entries of `search` that `search_range` names: `START:END` or `i,j,k`."""
    if "," in search_range:
        return [search[int(index)] for index in search_range.split(",")]
    start, _, end = search_range.partition(":")
    return search[int(start or 0):int(end) if end else None]


def best_candidate(candidates, train, metric, value, details=None, record=None):
    """Trains every candidate, prints each validation score, and returns the best candidate.

    Args:
        candidates: the candidate settings (dicts), in the order to run them.
        train: `candidate -> row`, a benchmark row scored on validation only, with
            `best_epoch` and `fit_s`.
        metric: the printed name of the value, e.g. "validation MRR".
        value: `row -> float`, the validation value to maximise.
        details: optional `row -> str`, more of the row to print beside the value.
        record: optional; called with each row, marked `"search": True`.

    Returns:
        The candidate with the highest value (the first of equals).
    """
    results = []
    for candidate in candidates:
        row = train(candidate)
        results.append((value(row), row, candidate))
        if record is not None:
            record({**row, "search": True})
        more = f", {details(row)}" if details else ""
        print(f"  {metric} {value(row):.4f}{more}, epoch {row['best_epoch']}, "
              f"{row['fit_s']:.0f} s: {json.dumps(candidate)}", flush=True)
    print(f"\nsearch ({metric}, higher is better):")
    for score, row, candidate in sorted(results, key=lambda result: -result[0]):
        more = f"  {details(row)}" if details else ""
        print(f"  {score:.4f}{more}  {row['fit_s']:6.1f}s  {json.dumps(candidate)}")
    return max(results, key=lambda result: result[0])[2]
