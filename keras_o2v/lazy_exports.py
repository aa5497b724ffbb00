"""Lazy package exports (PEP 562): a name's module is imported when the name is first used.

`import keras_o2v` and the protocol half of `keras_o2v.inference` do not import
TensorFlow; the CLI's `--help` stays fast. A package lists `{public name: module}`
and takes the `__getattr__` / `__dir__` made here.

Example:
>>> __getattr__, __dir__ = lazy_exports(__name__, {"Object2Vec": "keras_o2v.models"})  # doctest: +SKIP
"""

import importlib


def lazy_exports(package, exports, moved=None):
    """Returns `(__getattr__, __dir__)` for a package module.

    Args:
        package: the package's `__name__`.
        exports: `{name: module}`; `name` is read from `module` on first access
            (a module path equal to `package + "." + name` is the submodule itself).
        moved: optional `{old name: new dotted path}` of names that moved away,
            answered with a `DeprecationWarning`.
    """
    moved = moved or {}

    def __getattr__(name):
        module = importlib.import_module(package)
        if name in exports:
            target = importlib.import_module(exports[name])
            value = target if exports[name] == f"{package}.{name}" else getattr(target, name)
        elif name in moved:
            from keras_o2v.deprecated import warn_moved

            warn_moved(f"{package}.{name}", moved[name])
            parent, _, attribute = moved[name].rpartition(".")
            return getattr(importlib.import_module(parent), attribute)
        else:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        setattr(module, name, value)
        return value

    def __dir__():
        module = importlib.import_module(package)
        return sorted(set(vars(module)) | set(exports))

    return __getattr__, __dir__
