"""MovieLens 100k ratings (GroupLens), with a verified copy from a PyPI wheel as fallback."""

import dataclasses
import io
import json
import zipfile
from typing import Dict, Optional, Sequence, Tuple

import numpy as np

from keras_o2v.datasets import _cache, _download
from keras_o2v.errors import DataError

NAME = "movielens_100k"
GROUPLENS_URL = "https://files.grouplens.org/datasets/movielens/ml-100k.zip"
RECBOLE_WHEEL = "recbole==1.2.1"
RECBOLE_INTER = "recbole/dataset_example/ml-100k/ml-100k.inter"
RECBOLE_ITEM = "recbole/dataset_example/ml-100k/ml-100k.item"
NUM_RATINGS, NUM_USERS, NUM_ITEMS = 100_000, 943, 1682
GENRES = ("unknown", "Action", "Adventure", "Animation", "Children's", "Comedy", "Crime",
          "Documentary", "Drama", "Fantasy", "Film-Noir", "Horror", "Musical", "Mystery",
          "Romance", "Sci-Fi", "Thriller", "War", "Western")

# SHA-256 of the canonical files (see `ratings_tsv`/`items_tsv`). Both sources hold the
# ratings of `u.data` in the same order, so they share one ratings hash; titles differ
# (RecBole strips the year from the title and keeps it in another column).
RATINGS_SHA256 = "06416e597f82b7342361e41163890c81036900f418ad91315590814211dca490"
ITEMS_SHA256_RECBOLE = "f0a23b850ef6461d451b3d826d4c0f983fc61296bd6331bbac5f19df8e25848e"


@dataclasses.dataclass(frozen=True)
class Ratings:
    """A table of ratings as parallel numpy arrays (row `k` is one rating).

    Args:
        user_id: int32 user ids (MovieLens ids start at 1).
        item_id: int32 item (movie) ids (start at 1).
        rating: float32 ratings, 1 to 5.
        timestamp: int64 Unix seconds.
    """

    user_id: np.ndarray
    item_id: np.ndarray
    rating: np.ndarray
    timestamp: np.ndarray

    def __len__(self):
        return len(self.user_id)

    def take(self, indices):
        """Returns the `Ratings` at `indices` (an int array or boolean mask)."""
        return Ratings(self.user_id[indices], self.item_id[indices], self.rating[indices],
                       self.timestamp[indices])


@dataclasses.dataclass(frozen=True)
class MovieLens100k:
    """MovieLens 100k: ratings plus movie titles and genres.

    Args:
        ratings: the 100,000 ratings, in the order of GroupLens' `u.data`.
        titles: `{item_id: title}`, e.g. `titles[195] == "Terminator, The (1984)"`.
        genres: `{item_id: (genre, ...)}` using the names in `GENRES`.
        source: the source the cache was filled from (`"grouplens"` or `"recbole-wheel"`).
    """

    ratings: Ratings
    titles: Dict[int, str]
    genres: Dict[int, Tuple[str, ...]]
    source: str = ""


def movielens_100k(cache_dir=None, sources: Optional[Sequence[_cache.Source]] = None):
    """Loads MovieLens 100k, downloading and verifying it on first use.

    Sources, in order: GroupLens' official `ml-100k.zip` (short timeout), then the
    unchanged copy inside the PyPI wheel `recbole==1.2.1` (fetched with `pip download`,
    read as a zip, never installed). Either way the data is checked (100,000 rows,
    943 users, 1,682 items, SHA-256 of the canonical ratings table) and cached under
    `cache_dir` (default `$KERAS_O2V_CACHE` or `~/.cache/keras_o2v`).

    Args:
        cache_dir: cache folder; `None` uses the default above.
        sources: sources to try in order; `None` uses `default_sources()`.

    Returns:
        A `MovieLens100k`.

    Example:
    >>> ml = keras_o2v.datasets.movielens_100k()  # doctest: +SKIP
    >>> len(ml.ratings), ml.titles[195]  # doctest: +SKIP
    (100000, 'Terminator, The (1984)')
    """
    paths = _cache.load_dataset_files(NAME, default_sources() if sources is None else sources, cache_dir)
    manifest = (paths["ratings.tsv"].parent / _cache.MANIFEST).read_text()
    source = json.loads(manifest).get("source", "")
    titles, genres = read_items_tsv(paths["items.tsv"].read_bytes())
    return MovieLens100k(read_ratings_tsv(paths["ratings.tsv"].read_bytes()), titles, genres, source)


def default_sources():
    """The official GroupLens archive first, then the RecBole wheel on PyPI."""
    return [
        _cache.Source("grouplens", fetch_grouplens, checks(RATINGS_SHA256, None)),
        _cache.Source("recbole-wheel", fetch_recbole, checks(RATINGS_SHA256, ITEMS_SHA256_RECBOLE)),
    ]


def checks(ratings_sha256, items_sha256, num_ratings=NUM_RATINGS, num_users=NUM_USERS,
           num_items=NUM_ITEMS):
    """`FileCheck`s of the canonical `ratings.tsv` and `items.tsv`."""
    return {
        "ratings.tsv": _cache.FileCheck(num_ratings, ratings_sha256, {0: num_users, 1: num_items}),
        "items.tsv": _cache.FileCheck(num_items, items_sha256),
    }


def fetch_grouplens(work_dir):
    """Downloads `ml-100k.zip` and returns the canonical files."""
    return parse_grouplens_zip(_download.download_url(GROUPLENS_URL, work_dir))


def fetch_recbole(work_dir):
    """Downloads the RecBole wheel with pip and returns the canonical files."""
    return parse_recbole_wheel(_download.pip_download(RECBOLE_WHEEL, work_dir))


def parse_grouplens_zip(path):
    """Canonical files from GroupLens' `ml-100k.zip` (`u.data`, `u.item`)."""
    with zipfile.ZipFile(path) as archive:
        data = archive.read("ml-100k/u.data").decode("utf-8")
        items = archive.read("ml-100k/u.item").decode("latin-1")
    rows = _split_rows(data, "\t", 4, f"{path}!ml-100k/u.data")
    item_rows = []
    for fields in _split_rows(items, "|", 5 + len(GENRES), f"{path}!ml-100k/u.item"):
        flags = fields[5:]
        item_rows.append((fields[0], fields[1], [g for g, flag in zip(GENRES, flags) if flag == "1"]))
    return {"ratings.tsv": ratings_tsv(rows, path), "items.tsv": items_tsv(item_rows)}


def parse_recbole_wheel(path):
    """Canonical files from the RecBole wheel's `ml-100k.inter` and `ml-100k.item`.

    `ml-100k.inter` has the header `user_id:token item_id:token rating:float
    timestamp:float` (tab-separated) and then the rows of `u.data` in order;
    `ml-100k.item` has `item_id movie_title release_year class` with the genres
    space-separated in `class`.
    """
    with zipfile.ZipFile(path) as archive:
        inter = archive.read(RECBOLE_INTER).decode("utf-8")
        items = archive.read(RECBOLE_ITEM).decode("utf-8")
    inter_rows = _split_rows(inter, "\t", 4, f"{path}!{RECBOLE_INTER}", header=True)
    item_rows = []
    for item_id, title, year, classes in _split_rows(items, "\t", 4, f"{path}!{RECBOLE_ITEM}",
                                                     header=True):
        title = "unknown" if title == "unkonwn" else title  # RecBole's typo for item 267.
        if year.isdigit():
            title = f"{title} ({year})"
        item_rows.append((item_id, title, classes.split()))
    return {"ratings.tsv": ratings_tsv(inter_rows, path), "items.tsv": items_tsv(item_rows)}


def ratings_tsv(rows, origin="<ratings>"):
    """Canonical ratings table: `user<TAB>item<TAB>rating<TAB>timestamp` lines of integers."""
    out, problems = io.StringIO(), []
    for line_number, fields in enumerate(rows, 1):
        try:
            user, item = int(fields[0]), int(fields[1])
            rating, timestamp = (_whole_number(x) for x in fields[2:])
        except ValueError as error:
            problems.append((str(origin), line_number, f"bad rating row {fields!r}: {error}"))
            continue
        out.write(f"{user}\t{item}\t{rating}\t{timestamp}\n")
    if problems:
        raise DataError(problems)
    return out.getvalue().encode("utf-8")


def _whole_number(text):
    value = float(text)
    if not value.is_integer():
        raise ValueError(f"{text!r} is not a whole number")
    return int(value)


def items_tsv(rows):
    """Canonical items table: `item_id<TAB>title<TAB>genre|genre...` lines."""
    return "".join(f"{int(i)}\t{title}\t{'|'.join(genres)}\n" for i, title, genres in rows).encode("utf-8")


def read_ratings_tsv(data):
    """Parses canonical `ratings.tsv` bytes into `Ratings`."""
    table = np.loadtxt(io.BytesIO(data), dtype=np.int64, delimiter="\t", ndmin=2)
    return Ratings(table[:, 0].astype(np.int32), table[:, 1].astype(np.int32),
                   table[:, 2].astype(np.float32), table[:, 3])


def read_items_tsv(data):
    """Parses canonical `items.tsv` bytes into `({id: title}, {id: genres})`."""
    titles, genres = {}, {}
    for line in data.decode("utf-8").splitlines():
        item_id, title, names = line.split("\t")
        titles[int(item_id)] = title
        genres[int(item_id)] = tuple(names.split("|")) if names else ()
    return titles, genres


def _split_rows(text, separator, width, origin, header=False):
    lines = text.splitlines()
    first = 2 if header else 1
    rows, problems = [], []
    for number, line in enumerate(lines[first - 1:], first):
        if not line.strip():
            continue
        fields = line.split(separator)
        if len(fields) != width:
            problems.append((str(origin), number, f"expected {width} fields, found {len(fields)}"))
        else:
            rows.append(fields)
    if problems:
        raise DataError(problems)
    return rows
