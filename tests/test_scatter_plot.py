"""PCA projection and the labelled 2-D scatter PNG."""

import builtins

import numpy as np
import pytest

from keras_o2v.errors import O2VError
from keras_o2v.visualization import pca_2d, plot_embeddings_2d, tsne_2d


def test_pca_recovers_the_main_axes():
    rng = np.random.default_rng(0)
    # Variance 100 along x, 1 along y, ~0 along z; then rotate.
    data = rng.normal(size=(200, 3)) * [10.0, 1.0, 0.01]
    rotation, _ = np.linalg.qr(rng.normal(size=(3, 3)))
    points = pca_2d(data @ rotation.T)
    assert points.shape == (200, 2)
    np.testing.assert_allclose(points.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(np.abs(np.corrcoef(points[:, 0], data[:, 0])[0, 1]), 1.0,
                               atol=1e-3)
    np.testing.assert_allclose(np.abs(np.corrcoef(points[:, 1], data[:, 1])[0, 1]), 1.0,
                               atol=1e-3)
    # Distances within the plane are preserved up to the dropped 0.01-scale axis.
    assert points[:, 0].var() > 50 * points[:, 1].var()


def test_pca_of_one_dimensional_data_pads_second_axis():
    points = pca_2d([[0.0], [1.0], [3.0]])
    assert points.shape == (3, 2)
    np.testing.assert_allclose(points[:, 1], 0.0)
    np.testing.assert_allclose(np.abs(points[:, 0]), [4 / 3, 1 / 3, 5 / 3])


def test_scatter_png_is_written(tmp_path):
    pytest.importorskip("matplotlib")
    rng = np.random.default_rng(1)
    vectors = np.concatenate([rng.normal(size=(20, 5)), rng.normal(size=(20, 5)) + 4])
    labels = ["a"] * 20 + ["b"] * 20
    path = tmp_path / "plot.png"
    figure = plot_embeddings_2d(vectors, labels=labels, path=str(path), title="test")
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    axes = figure.axes[0]
    assert [t.get_text() for t in axes.get_legend().get_texts()] == ["a", "b"]
    assert len(axes.collections) == 2  # one scatter per label


def test_tsne_projection_shape():
    pytest.importorskip("sklearn")
    points = tsne_2d(np.random.default_rng(2).normal(size=(15, 4)), perplexity=5)
    assert points.shape == (15, 2) and np.isfinite(points).all()


def test_missing_matplotlib_gives_clear_error(monkeypatch):
    real_import = builtins.__import__

    def no_matplotlib(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_matplotlib)
    with pytest.raises(O2VError, match="pip install matplotlib"):
        plot_embeddings_2d(np.eye(3))


def test_bad_arguments():
    with pytest.raises(ValueError, match="method"):
        plot_embeddings_2d(np.eye(3), method="umap")
    with pytest.raises(ValueError, match="at least 2 rows"):
        pca_2d([[1.0, 2.0]])
