"""Which models `o2v serve` serves: one base path, or a TF Serving model config file.

The model config file is TensorFlow Serving's own (a text `ModelServerConfig`,
`--model_config_file`), read with protobuf's text format, so one file drives both
servers: `name`, `base_path`, `model_platform: "tensorflow"`,
`model_version_policy` (`latest { num_versions: N }` (default N = 1), `all {}`,
`specific { versions: ... }`) and `version_labels`.

Example:
>>> sources = read_model_config("serving/models.config")  # doctest: +SKIP
>>> sources[0].name, sources[0].policy.select([1, 2, 3])  # doctest: +SKIP
('o2v', [3])
"""

import dataclasses
import os
import re
from typing import Dict, Optional, Tuple

_LABEL = re.compile(r"^[a-zA-Z0-9_]+$")


@dataclasses.dataclass(frozen=True)
class VersionPolicy:
    """TF Serving's `model_version_policy`.

    Args:
        kind: `latest`, `all` or `specific`.
        num_versions: how many of the newest versions (`latest`).
        versions: the versions to serve (`specific`).
    """

    kind: str = "latest"
    num_versions: int = 1
    versions: Tuple[int, ...] = ()

    def select(self, available):
        """The versions to serve among `available` (sorted, ascending)."""
        available = sorted(available)
        if self.kind == "all":
            return available
        if self.kind == "specific":
            return [v for v in available if v in self.versions]
        return available[-self.num_versions:] if self.num_versions > 0 else []

    def describe(self):
        if self.kind == "specific":
            return f"specific {{{', '.join(map(str, self.versions))}}}"
        return "all" if self.kind == "all" else f"latest {self.num_versions}"


@dataclasses.dataclass(frozen=True)
class ModelSource:
    """One served model: its name, base path, version policy and labels."""

    name: str
    base_path: str
    policy: VersionPolicy = VersionPolicy()
    labels: Dict[str, int] = dataclasses.field(default_factory=dict)


class ModelConfigError(ValueError):
    """A model config file that cannot be used; the message names the file and the field."""


def read_model_config(path):
    """Reads a TF Serving model config file into `ModelSource`s.

    Raises:
        ModelConfigError: unreadable text format, a missing name or base path, a
            platform other than tensorflow, a bad label, or a name given twice.
    """
    from google.protobuf import text_format
    from tensorflow_serving.config import model_server_config_pb2

    try:
        with open(path, encoding="utf-8") as f:
            text = f.read()
        config = text_format.Parse(text, model_server_config_pb2.ModelServerConfig())
    except (OSError, text_format.ParseError) as error:
        raise ModelConfigError(f"{path}: {error}") from None
    if config.WhichOneof("config") != "model_config_list":
        raise ModelConfigError(f"{path}: expected a model_config_list")
    sources, names = [], set()
    for index, model in enumerate(config.model_config_list.config):
        where = f"{path}: config {index}"
        if not model.name or not model.base_path:
            raise ModelConfigError(f"{where}: needs a name and a base_path")
        if model.name in names:
            raise ModelConfigError(f"{where}: model name {model.name!r} is given twice")
        names.add(model.name)
        if model.model_platform not in ("", "tensorflow"):
            raise ModelConfigError(f"{where}: model_platform {model.model_platform!r}; o2v serve "
                                   f"serves TensorFlow SavedModels ('tensorflow')")
        labels = dict(model.version_labels)
        for label in labels:
            if not _LABEL.match(label):
                raise ModelConfigError(f"{where}: version label {label!r} must match [a-zA-Z0-9_]+")
        sources.append(ModelSource(model.name, model.base_path, _policy(model.model_version_policy),
                                   labels))
    if not sources:
        raise ModelConfigError(f"{path}: model_config_list holds no model")
    return sources


def _policy(proto):
    kind = proto.WhichOneof("policy_choice")
    if kind == "all":
        return VersionPolicy("all")
    if kind == "specific":
        return VersionPolicy("specific", versions=tuple(proto.specific.versions))
    if kind == "latest":
        return VersionPolicy("latest", num_versions=proto.latest.num_versions or 1)
    return VersionPolicy()


def config_mtime(path) -> Optional[int]:
    """The file's modification time in ns, or None when it is missing."""
    try:
        return os.stat(path).st_mtime_ns
    except OSError:
        return None
