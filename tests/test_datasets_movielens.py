"""MovieLens 100k: parsing, verification, caching and fallback on tiny generated archives."""

import subprocess
import sys
import zipfile

import numpy as np
import pytest

from keras_o2v.datasets import _cache, _download, movielens
from keras_o2v.datasets.movielens_split import split_ratings
from keras_o2v.errors import DataError, O2VError

U_DATA = "1\t10\t3\t881250949\n2\t10\t5\t891717742\n1\t11\t1\t878887116\n2\t12\t4\t880606923\n"
INTER = "user_id:token\titem_id:token\trating:float\ttimestamp:float\n" + U_DATA
ITEM = ("item_id:token\tmovie_title:token_seq\trelease_year:token\tclass:token_seq\n"
        "10\tToy Story\t1995\tAnimation Children's Comedy\n"
        "11\tunkonwn\tunkonwn\tunknown\n"
        "12\tTerminator, The\t1984\tAction Sci-Fi Thriller\n")
U_ITEM = ("10|Toy Story (1995)|01-Jan-1995||http://x|0|0|0|1|1|1" + "|0" * 13 + "\n"
          "11|unknown||||1" + "|0" * 18 + "\n"
          "12|Terminator, The (1984)|01-Jan-1984||http://x|0|1" + "|0" * 13 + "|1|1|0|0\n")


def make_wheel(path, inter=INTER, item=ITEM):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr(movielens.RECBOLE_INTER, inter)
        archive.writestr(movielens.RECBOLE_ITEM, item)
        archive.writestr("recbole/__init__.py", "")
    return path


def make_grouplens_zip(path):
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("ml-100k/u.data", U_DATA)
        archive.writestr("ml-100k/u.item", U_ITEM.encode("latin-1"))
    return path


def tiny_checks(ratings_sha=None, items_sha=None, rows=4):
    return movielens.checks(ratings_sha, items_sha, num_ratings=rows, num_users=2, num_items=3)


def test_recbole_and_grouplens_give_the_same_canonical_ratings(tmp_path):
    wheel = movielens.parse_recbole_wheel(make_wheel(tmp_path / "r.whl"))
    official = movielens.parse_grouplens_zip(make_grouplens_zip(tmp_path / "ml-100k.zip"))
    assert wheel["ratings.tsv"] == official["ratings.tsv"] == U_DATA.encode()
    assert wheel["items.tsv"] == official["items.tsv"]
    assert wheel["items.tsv"].decode().splitlines()[2] == "12\tTerminator, The (1984)\tAction|Sci-Fi|Thriller"


def test_loader_falls_back_to_wheel_and_caches(tmp_path):
    wheel = make_wheel(tmp_path / "r.whl")
    sha = _cache.sha256_hex(U_DATA.encode())
    calls = []

    def unreachable(work_dir):
        calls.append("grouplens")
        raise OSError("network unreachable")

    def from_wheel(work_dir):
        calls.append("wheel")
        return movielens.parse_recbole_wheel(wheel)

    sources = [_cache.Source("grouplens", unreachable, tiny_checks(sha)),
               _cache.Source("recbole-wheel", from_wheel, tiny_checks(sha))]
    ml = movielens.movielens_100k(cache_dir=tmp_path / "cache", sources=sources)
    assert ml.source == "recbole-wheel"
    np.testing.assert_array_equal(ml.ratings.user_id, [1, 2, 1, 2])
    np.testing.assert_array_equal(ml.ratings.item_id, [10, 10, 11, 12])
    np.testing.assert_array_equal(ml.ratings.rating, [3, 5, 1, 4])
    assert ml.ratings.rating.dtype == np.float32 and ml.ratings.timestamp[0] == 881250949
    assert ml.titles == {10: "Toy Story (1995)", 11: "unknown", 12: "Terminator, The (1984)"}
    assert ml.genres[10] == ("Animation", "Children's", "Comedy") and ml.genres[11] == ("unknown",)
    again = movielens.movielens_100k(cache_dir=tmp_path / "cache", sources=sources)
    np.testing.assert_array_equal(again.ratings.timestamp, ml.ratings.timestamp)
    assert calls == ["grouplens", "wheel"]


def test_env_var_selects_cache(tmp_path, monkeypatch):
    wheel = make_wheel(tmp_path / "r.whl")
    monkeypatch.setenv("KERAS_O2V_CACHE", str(tmp_path / "env-cache"))
    sources = [_cache.Source("w", lambda d: movielens.parse_recbole_wheel(wheel), tiny_checks())]
    movielens.movielens_100k(sources=sources)
    assert (tmp_path / "env-cache" / "movielens_100k" / "ratings.tsv").exists()


def test_checksum_mismatch_is_an_error(tmp_path):
    wheel = make_wheel(tmp_path / "r.whl")
    sources = [_cache.Source("w", lambda d: movielens.parse_recbole_wheel(wheel), tiny_checks("f" * 64))]
    with pytest.raises(DataError, match="ratings.tsv:0: sha256 mismatch"):
        movielens.movielens_100k(cache_dir=tmp_path, sources=sources)


def test_row_count_mismatch_is_an_error(tmp_path):
    wheel = make_wheel(tmp_path / "r.whl", inter=INTER + "3\t12\t2\t880606924\n")
    sources = [_cache.Source("w", lambda d: movielens.parse_recbole_wheel(wheel), tiny_checks())]
    with pytest.raises(DataError) as info:
        movielens.movielens_100k(cache_dir=tmp_path, sources=sources)
    messages = [m for _, _, m in info.value.problems]
    assert "expected 4 rows, found 5" in messages and "expected 2 distinct values of 0, found 3" in messages


def test_malformed_rows_name_file_and_line(tmp_path):
    wheel = make_wheel(tmp_path / "r.whl", inter=INTER + "3\t12\tx\t1\n4\t1\n")
    with pytest.raises(DataError) as info:
        movielens.parse_recbole_wheel(wheel)
    assert info.value.problems[0][0].endswith("ml-100k.inter") and info.value.problems[0][1] == 7


def test_fetch_grouplens_reads_url(tmp_path, monkeypatch):
    archive = make_grouplens_zip(tmp_path / "ml-100k.zip")
    monkeypatch.setattr(movielens, "GROUPLENS_URL", archive.as_uri())
    work = tmp_path / "work"
    work.mkdir()
    assert movielens.fetch_grouplens(work)["ratings.tsv"] == U_DATA.encode()


def test_fetch_recbole_uses_pip_download_without_installing(tmp_path, monkeypatch):
    wheel = make_wheel(tmp_path / "recbole-1.2.1-py3-none-any.whl")
    seen = {}

    def fake_run(command, cwd, env, timeout, capture_output, text):
        seen["command"] = command
        dest = command[command.index("-d") + 1]
        (tmp_path / "copy").write_bytes(wheel.read_bytes())
        (tmp_path / "copy").rename(f"{dest}/{wheel.name}")
        return subprocess.CompletedProcess(command, 0, "", "")

    monkeypatch.setattr(_download.subprocess, "run", fake_run)
    work = tmp_path / "work"
    work.mkdir()
    files = movielens.fetch_recbole(work)
    assert files["ratings.tsv"] == U_DATA.encode()
    assert seen["command"][:5] == [sys.executable, "-m", "pip", "download", "--no-deps"]
    assert "recbole==1.2.1" in seen["command"] and "install" not in seen["command"]


def test_failed_pip_download_is_reported(tmp_path, monkeypatch):
    monkeypatch.setattr(_download.subprocess, "run",
                        lambda command, **kw: subprocess.CompletedProcess(command, 1, "", "no index"))
    with pytest.raises(O2VError, match="no index"):
        _download.pip_download("recbole==1.2.1", tmp_path)


@pytest.mark.large
def test_real_movielens_100k(tmp_path):
    ml = movielens.movielens_100k(cache_dir=tmp_path)
    assert len(ml.ratings) == 100_000
    assert len(np.unique(ml.ratings.user_id)) == 943 and len(np.unique(ml.ratings.item_id)) == 1682
    assert ml.titles[195] == "Terminator, The (1984)" and len(ml.genres) == 1682
    assert abs(float(ml.ratings.rating.mean()) - 3.52986) < 1e-4
    train, validation, test = split_ratings(ml.ratings, seed=0)
    assert (len(train), len(validation), len(test)) == (86_042, 4_528, 9_430)
