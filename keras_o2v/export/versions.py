"""Integer version folders under a TF Serving model base path (`BASE/<version>/`)."""

import os


def list_versions(base_path):
    """Sorted integer versions under `base_path` that hold a `saved_model.pb`.

    Folders whose names are not plain non-negative integers (such as the
    temporary folders an export writes before its rename) are ignored, as TF
    Serving ignores them.

    Args:
        base_path: the model base path.

    Returns:
        A sorted list of ints; empty when the folder is missing or empty.

    Example:
    >>> list_versions("models/o2v")  # doctest: +SKIP
    [1, 2, 5]
    """
    try:
        names = os.listdir(base_path)
    except FileNotFoundError:
        return []
    versions = []
    for name in names:
        if name.isdigit() and os.path.isfile(os.path.join(base_path, name, "saved_model.pb")):
            versions.append(int(name))
    return sorted(versions)


def latest_version(base_path):
    """The highest version under `base_path`, or None when there is none."""
    versions = list_versions(base_path)
    return versions[-1] if versions else None


def next_version(base_path):
    """One more than the highest integer-named folder under `base_path` (1 when none).

    Integer folders without a `saved_model.pb` count too, so a half-copied
    version is never reused.
    """
    try:
        names = os.listdir(base_path)
    except FileNotFoundError:
        return 1
    numbers = [int(name) for name in names if name.isdigit()]
    return max(numbers, default=0) + 1
