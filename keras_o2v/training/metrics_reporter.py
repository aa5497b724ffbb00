"""Reports metrics under SageMaker's names: stdout lines, metrics.json, TensorBoard."""

import math
import os
import shutil
import socket

import tensorflow as tf

KERAS_TO_SAGEMAKER = {"accuracy": "accuracy", "cross_entropy": "cross_entropy",
                      "mean_squared_error": "mean_squared_error",
                      "retrieval_cross_entropy": "retrieval_cross_entropy",
                      "similarity_ranking_loss": "similarity_ranking_loss", "pearson": "pearson"}


def sagemaker_metrics(logs, channel, prefix=""):
    """Maps Keras logs (`val_accuracy`, ...) to SageMaker names (`validation:accuracy`, ...)."""
    out = {}
    for keras_name, name in KERAS_TO_SAGEMAKER.items():
        value = logs.get(prefix + keras_name)
        if value is not None:
            out[f"{channel}:{name}"] = float(value)
    if f"{channel}:cross_entropy" in out:
        cross_entropy = out[f"{channel}:cross_entropy"]
        out[f"{channel}:perplexity"] = math.exp(cross_entropy) if cross_entropy < 700 else math.inf
    return out


class MetricsReporter:
    """Prints one parseable line per metric and logs it to TensorBoard.

    Lines look like `#quality_metric: host=algo-1, epoch=3, validation:accuracy=0.932`
    (SageMaker's `#quality_metric` prefix, with its metric names), so the
    regex `(\\w+:\\w+)=([-+.\\w]+)` captures name and value.

    Args:
        log_dir: TensorBoard folder, or None to skip TensorBoard.
        printer: where lines go (default `print`).
        history: the per-epoch metrics of the job so far (`{"epoch": 3, name:
            value, ...}`). `log_dir` is started afresh with them, so that a
            resumed job, which repeats an epoch that was cut short, holds every
            epoch once.
    """

    def __init__(self, log_dir=None, printer=print, history=()):
        self.host = socket.gethostname()
        self.printer = printer
        self.writer = None
        if log_dir:
            if os.path.isdir(log_dir):
                shutil.rmtree(log_dir)
            self.writer = tf.summary.create_file_writer(log_dir)
            for entry in history:
                self._write({k: v for k, v in entry.items() if k != "epoch"}, entry["epoch"])

    def report(self, metrics, epoch=None):
        where = f"host={self.host}" + (f", epoch={epoch}" if epoch is not None else "")
        for name, value in metrics.items():
            self.printer(f"#quality_metric: {where}, {name}={value:.6g}", flush=True)
        self._write(metrics, epoch)

    def _write(self, metrics, epoch):
        if self.writer is not None:
            with self.writer.as_default():
                for name, value in metrics.items():
                    tf.summary.scalar(name.replace(":", "/"), value, step=epoch or 0)
            self.writer.flush()
