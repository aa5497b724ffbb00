"""Tests for keras_o2v.pretrained.load_pretrained_embeddings."""

import gzip
import tracemalloc

import numpy as np
import pytest

from keras_o2v.errors import DataError
from keras_o2v.preprocessing import build_vocabulary, save_vocabulary
from keras_o2v.pretrained import load_pretrained_embeddings, load_vocab

VOCAB = {"<pad>": 0, "<unk>": 1, "the": 2, "cat": 3, "sat": 4, ". . .": 5, "zebra": 6}
VECTORS = {
    "the": [0.1, -0.2, 0.3],
    "dog": [9.0, 9.0, 9.0],
    "cat": [1.5, 2.5, -3.5],
    ". . .": [0.25, 0.5, 0.75],
    "sat": [-1.0, 0.0, 1e-3],
}


def glove_text(vectors):
    lines = (f"{token} {' '.join(repr(v) for v in values)}\n" for token, values in vectors.items())
    return "".join(lines)


def write(tmp_path, text, name="emb.txt"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def check_aligned(matrix, found):
    assert matrix.dtype == np.float32 and matrix.shape == (8, 3)
    assert found.tolist() == [False, False, True, True, True, True, False, False]
    for token in ["the", "cat", "sat", ". . ."]:
        np.testing.assert_allclose(matrix[VOCAB[token]], VECTORS[token], rtol=1e-6)
    assert not matrix[[0, 1, 6, 7]].any()


def test_glove_format_aligned_to_vocab_ids(tmp_path):
    path = write(tmp_path, glove_text(VECTORS))
    result = load_pretrained_embeddings(path, VOCAB, vocab_size=8, dim=3)
    check_aligned(*result)
    assert result.num_found == 4  # "dog" is not in the vocab, "zebra" not in the file


def test_word2vec_text_format_with_header_and_trailing_spaces(tmp_path):
    body = glove_text(VECTORS).replace("\n", " \n")  # word2vec's C tool ends lines with a space
    path = write(tmp_path, f"{len(VECTORS)} 3\n{body}")
    check_aligned(*load_pretrained_embeddings(path, VOCAB, vocab_size=8, dim=3))


def test_gzip_file_is_streamed(tmp_path):
    path = tmp_path / "emb.txt.gz"
    with gzip.open(path, "wt", encoding="utf-8") as handle:
        handle.write(glove_text(VECTORS))
    check_aligned(*load_pretrained_embeddings(path, VOCAB, vocab_size=8, dim=3))


def test_first_occurrence_wins_and_padding_row_is_never_filled(tmp_path):
    text = "<pad> 5 5 5\nthe 1 1 1\nthe 2 2 2\n"
    matrix, found = load_pretrained_embeddings(write(tmp_path, text), VOCAB, 8, 3)
    assert found.tolist() == [False, False, True] + [False] * 5
    assert matrix[2].tolist() == [1, 1, 1]
    assert not matrix[0].any()


def test_file_dimension_different_from_dim_fails_on_first_line(tmp_path):
    path = write(tmp_path, glove_text(VECTORS))
    with pytest.raises(DataError) as info:
        load_pretrained_embeddings(path, VOCAB, vocab_size=8, dim=4)
    assert info.value.problems[0][:2] == (str(path), 1)
    assert "3 values, expected 4" in info.value.problems[0][2]
    with pytest.raises(DataError, match="more than 2 values"):
        load_pretrained_embeddings(path, VOCAB, vocab_size=8, dim=2)


def test_word2vec_header_with_wrong_dimension(tmp_path):
    path = write(tmp_path, "5 300\n" + glove_text(VECTORS))
    with pytest.raises(DataError, match=r"emb.txt:1: word2vec header says dimension 300"):
        load_pretrained_embeddings(path, VOCAB, vocab_size=8, dim=3)


def test_bad_lines_are_all_reported_with_line_numbers(tmp_path):
    text = (
        "the 0.1 0.2 0.3\n"
        "dog 1 2\n"  # too short (line 2)
        "cat 1.0 x 3.0\n"  # unparsable float in a vocab token (line 3)
        "sat 1 2 3 4\n"  # a longer vector, not a token with spaces (line 4)
        "zebra 1 nan 2\n"  # non-finite (line 5)
    )
    path = write(tmp_path, text)
    with pytest.raises(DataError) as info:
        load_pretrained_embeddings(path, VOCAB, vocab_size=8, dim=3)
    problems = info.value.problems
    assert [line for _, line, _ in problems] == [2, 3, 4, 5]
    assert "2 values, expected 3" in problems[0][2]
    assert "cannot parse 'x' as a float (token 'cat')" in problems[1][2]
    assert "more than 3 values" in problems[2][2]
    assert "non-finite" in problems[3][2]
    assert f"{path}:3:" in str(info.value)


def test_vocab_id_outside_vocab_size_is_an_error(tmp_path):
    path = write(tmp_path, glove_text(VECTORS))
    with pytest.raises(DataError, match="'zebra' has id 6, outside"):
        load_pretrained_embeddings(path, VOCAB, vocab_size=6, dim=3)


def test_fill_missing_keeps_found_rows_and_zero_padding(tmp_path):
    result = load_pretrained_embeddings(write(tmp_path, glove_text(VECTORS)), VOCAB, 8, 3)
    filled = result.fill_missing(seed=0)
    np.testing.assert_array_equal(filled[result.found], result.matrix[result.found])
    assert not filled[0].any()
    assert np.all(filled[[1, 6, 7]] != 0)
    np.testing.assert_array_equal(filled, result.fill_missing(seed=0))


def test_large_file_is_streamed_not_read_whole(tmp_path):
    path = tmp_path / "big.txt"
    values = " ".join(["0.125"] * 50)
    with path.open("w") as handle:
        for i in range(20_000):
            handle.write(f"w{i} {values}\n")
    vocab = {"<pad>": 0, "<unk>": 1, "w7": 2, "w19999": 3}
    tracemalloc.start()
    try:
        matrix, found = load_pretrained_embeddings(path, vocab, vocab_size=4, dim=50)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert found.tolist() == [False, False, True, True]
    assert np.all(matrix[2:] == 0.125)
    assert path.stat().st_size > 5_000_000
    assert peak < 200_000, peak


def test_vocabulary_written_by_preprocessing_aligns_vectors(tmp_path):
    vocab = build_vocabulary(["The cat sat. The cat!"])
    save_vocabulary(vocab, tmp_path / "vocab.json")
    vocab = load_vocab(tmp_path / "vocab.json")
    result = load_pretrained_embeddings(
        write(tmp_path, glove_text(VECTORS)), vocab, vocab_size=len(vocab), dim=3
    )
    assert result.num_found == 3  # "the", "cat", "sat"; "." and "!" have no vector here
    for token in ["the", "cat", "sat"]:
        np.testing.assert_allclose(result.matrix[vocab[token]], VECTORS[token], rtol=1e-6)
