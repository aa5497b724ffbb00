"""Cache folder, verification, atomic writes and source fallback of keras_o2v.datasets."""

import json
import os
import pathlib

import pytest

from keras_o2v.datasets import _cache
from keras_o2v.errors import DataError, O2VError

DATA = b"a\t1\nb\t2\nb\t3\n"
GOOD = {"t.tsv": _cache.FileCheck(3, _cache.sha256_hex(DATA), {0: 2})}


def counting_source(name, files, checks=GOOD, calls=None):
    def fetch(work_dir):
        assert pathlib.Path(work_dir).is_dir()
        if calls is not None:
            calls.append(name)
        if isinstance(files, Exception):
            raise files
        return files

    return _cache.Source(name, fetch, checks)


def test_cache_root_precedence(monkeypatch, tmp_path):
    monkeypatch.delenv(_cache.CACHE_ENV, raising=False)
    assert _cache.cache_root() == pathlib.Path("~/.cache/keras_o2v").expanduser()
    monkeypatch.setenv(_cache.CACHE_ENV, str(tmp_path / "env"))
    assert _cache.cache_root() == tmp_path / "env"
    assert _cache.cache_root(tmp_path / "arg") == tmp_path / "arg"


def test_atomic_write_leaves_no_temporary_files(tmp_path):
    target = tmp_path / "sub" / "f.txt"
    _cache.atomic_write_bytes(target, b"one")
    _cache.atomic_write_bytes(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["f.txt"]


def test_verify_reports_rows_checksum_and_distinct():
    checks = {"t.tsv": _cache.FileCheck(4, "0" * 64, {0: 3}), "missing.tsv": _cache.FileCheck(1)}
    with pytest.raises(DataError) as info:
        _cache.verify_files({"t.tsv": DATA}, checks, "demo")
    messages = [m for _, _, m in info.value.problems]
    assert "expected 4 rows, found 3" in messages
    assert any("sha256 mismatch" in m for m in messages)
    assert any("expected 3 distinct values of 0, found 2" in m for m in messages)
    assert ("demo/missing.tsv", 0, "file missing from the source") in info.value.problems


def test_falls_back_and_caches(tmp_path):
    calls = []
    sources = [counting_source("official", OSError("unreachable"), calls=calls),
               counting_source("mirror", {"t.tsv": DATA}, calls=calls)]
    paths = _cache.load_dataset_files("demo", sources, tmp_path)
    assert paths["t.tsv"].read_bytes() == DATA
    manifest = json.loads((tmp_path / "demo" / "manifest.json").read_text())
    assert manifest["source"] == "mirror"
    entry = manifest["files"]["t.tsv"]
    assert entry["rows"] == 3 and entry["sha256"] == _cache.sha256_hex(DATA)
    assert entry["size"] == len(DATA) and entry["mtime_ns"] == paths["t.tsv"].stat().st_mtime_ns
    # Second call: served from the cache, no source is touched.
    assert _cache.load_dataset_files("demo", sources, tmp_path) == paths
    assert calls == ["official", "mirror"]


def test_bad_checksum_falls_back_to_next_source(tmp_path):
    sources = [counting_source("bad", {"t.tsv": b"a\t1\nb\t2\nb\t4\n"}),
               counting_source("good", {"t.tsv": DATA})]
    paths = _cache.load_dataset_files("demo", sources, tmp_path)
    assert paths["t.tsv"].read_bytes() == DATA


def test_all_sources_fail_verification_raises_data_error(tmp_path):
    with pytest.raises(DataError, match="expected 3 rows, found 1"):
        _cache.load_dataset_files("demo", [counting_source("only", {"t.tsv": b"a\t1\n"})], tmp_path)
    assert not (tmp_path / "demo" / "manifest.json").exists()


def test_unreachable_sources_raise_o2v_error(tmp_path):
    with pytest.raises(O2VError, match="official: OSError: unreachable"):
        _cache.load_dataset_files("demo", [counting_source("official", OSError("unreachable"))], tmp_path)


def test_damaged_cache_is_fetched_again(tmp_path):
    calls = []
    sources = [counting_source("mirror", {"t.tsv": DATA}, calls=calls)]
    paths = _cache.load_dataset_files("demo", sources, tmp_path)
    paths["t.tsv"].write_bytes(b"tampered\n")
    assert _cache.load_dataset_files("demo", sources, tmp_path)["t.tsv"].read_bytes() == DATA
    assert calls == ["mirror", "mirror"]
    _cache.clear_cache("demo", tmp_path)
    assert not (tmp_path / "demo").exists()


def test_cache_hits_rehash_only_files_that_changed(tmp_path, monkeypatch):
    sources = [counting_source("mirror", {"t.tsv": DATA})]
    paths = _cache.load_dataset_files("demo", sources, tmp_path)
    hashed = []
    real_hash = _cache.sha256_hex
    monkeypatch.setattr(_cache, "sha256_hex", lambda data: hashed.append(data) or real_hash(data))
    assert _cache.load_dataset_files("demo", sources, tmp_path) == paths
    assert hashed == []  # size and mtime match the manifest: the file is not read again
    same_size = DATA.replace(b"a", b"z", 1)
    paths["t.tsv"].write_bytes(same_size)
    os.utime(paths["t.tsv"], ns=(1, 1))
    assert _cache.load_dataset_files("demo", sources, tmp_path)["t.tsv"].read_bytes() == DATA
    assert same_size in hashed  # the edit changed the mtime, so the hash was checked and failed
