"""Embedding visualisation: TensorBoard projector files and 2-D scatter plots."""

from keras_o2v.visualization.projector import write_projector_files
from keras_o2v.visualization.scatter_plot import pca_2d, plot_embeddings_2d, tsne_2d

__all__ = ["pca_2d", "plot_embeddings_2d", "tsne_2d", "write_projector_files"]
