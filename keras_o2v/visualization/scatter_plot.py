"""2-D views of embeddings: PCA (NumPy), t-SNE (scikit-learn) and a labelled scatter PNG.

matplotlib and scikit-learn are optional and imported only when needed; a
clear error says how to install them.
"""

import numpy as np

from keras_o2v.errors import O2VError

PROJECTIONS = ("pca", "tsne")


def _require(module, package):
    try:
        return __import__(module, fromlist=["_"])
    except ImportError as error:
        raise O2VError(f"This needs {package}, which is not installed: "
                       f"`pip install {package}`.") from error


def pca_2d(vectors):
    """Projects vectors onto their first two principal components (NumPy SVD).

    Args:
        vectors: float array-like `[count, dim]`.

    Returns:
        float array `[count, 2]`, centred; component signs are fixed so the
        largest-magnitude loading of each component is positive.

    Example:
    >>> pca_2d([[0.0, 0.0, 0.0], [2.0, 0.0, 0.0], [1.0, 1.0, 0.0]]).shape
    (3, 2)
    """
    vectors = np.asarray(vectors, dtype=np.float64)
    if vectors.ndim != 2 or vectors.shape[0] < 2:
        raise ValueError(f"PCA needs a 2-D array with at least 2 rows, got {vectors.shape}.")
    centred = vectors - vectors.mean(axis=0)
    _, _, components = np.linalg.svd(centred, full_matrices=False)
    components = components[:2]
    signs = np.sign(components[np.arange(len(components)),
                               np.abs(components).argmax(axis=1)])
    projected = centred @ (components * signs[:, None]).T
    if projected.shape[1] < 2:  # 1-D input: pad the second axis with zeros
        projected = np.pad(projected, ((0, 0), (0, 2 - projected.shape[1])))
    return projected


def tsne_2d(vectors, perplexity=30.0, seed=0):
    """t-SNE embedding into 2-D (needs scikit-learn).

    Args:
        vectors: float array-like `[count, dim]`.
        perplexity: t-SNE perplexity; lowered to `count - 1` for small inputs.
        seed: random seed.

    Returns:
        float array `[count, 2]`.
    """
    manifold = _require("sklearn.manifold", "scikit-learn")
    vectors = np.asarray(vectors, dtype=np.float32)
    perplexity = min(perplexity, max(1.0, vectors.shape[0] - 1.0))
    tsne = manifold.TSNE(n_components=2, perplexity=perplexity, random_state=seed,
                         init="pca")
    return tsne.fit_transform(vectors)


def plot_embeddings_2d(vectors, labels=None, method="pca", path=None, title=None,
                       seed=0, point_size=12):
    """Scatter plot of embeddings projected to 2-D, coloured by label.

    Uses a standalone matplotlib `Figure` (no pyplot global state), so it
    works headless; in Jupyter the returned figure displays inline.

    Args:
        vectors: float array-like `[count, dim]`.
        labels: optional sequence of `count` labels; each distinct label gets
            its own colour and legend entry.
        method: `"pca"` (NumPy, always available) or `"tsne"` (scikit-learn).
        path: if given, the figure is saved there as PNG.
        title: optional figure title.
        seed: random seed for t-SNE.
        point_size: marker size.

    Returns:
        The matplotlib `Figure`.

    Example:
    >>> fig = keras_o2v.visualization.plot_embeddings_2d(
    ...     embeddings, labels=labels, method="pca", path="embeddings.png")
    """
    if method not in PROJECTIONS:
        raise ValueError(f"Unknown method {method!r}; expected one of {PROJECTIONS}.")
    figure_lib = _require("matplotlib.figure", "matplotlib")
    vectors = np.asarray(vectors)
    if labels is not None and len(labels) != len(vectors):
        raise ValueError(f"Got {len(labels)} labels for {len(vectors)} vectors.")
    points = pca_2d(vectors) if method == "pca" else tsne_2d(vectors, seed=seed)

    figure = figure_lib.Figure(figsize=(7, 6), dpi=100)
    axes = figure.add_subplot()
    if labels is None:
        axes.scatter(points[:, 0], points[:, 1], s=point_size)
    else:
        labels = np.asarray([str(label) for label in labels])
        distinct = list(dict.fromkeys(labels))
        colours = _colours(len(distinct))
        for label, colour in zip(distinct, colours):
            mask = labels == label
            axes.scatter(points[mask, 0], points[mask, 1], s=point_size, color=colour,
                         label=label)
        if len(distinct) <= 20:
            axes.legend(loc="best", fontsize="small", markerscale=1.5)
    axes.set_xlabel(f"{method.upper()} 1")
    axes.set_ylabel(f"{method.upper()} 2")
    if title:
        axes.set_title(title)
    figure.tight_layout()
    if path is not None:
        figure.savefig(path, format="png")
    return figure


def _colours(count):
    colormaps = _require("matplotlib", "matplotlib").colormaps
    cmap = colormaps["tab10" if count <= 10 else "tab20" if count <= 20 else "viridis"]
    if count <= 20:
        return [cmap(i) for i in range(count)]
    return [cmap(x) for x in np.linspace(0, 1, count)]
