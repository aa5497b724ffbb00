"""Import paths of keras_o2v 0.1 that moved, kept working with a `DeprecationWarning`.

Moved modules (old -> new):
- `keras_o2v.lazy_optimizers` -> `keras_o2v.optimizers.lazy`
- `keras_o2v.summed_row_optimizers` -> `keras_o2v.optimizers.summed_rows` (`Adam`, `Adagrad`,
  `Adadelta`, `RMSprop` are now `SummedRowsAdam`, ...)
- `keras_o2v.learning_rate_decay` -> `keras_o2v.optimizers.learning_rate_decay`
- `keras_o2v.demo` -> `keras_o2v.commands.demo`
- `keras_o2v.keras_compat` -> `keras_o2v.models.keras_compat`
- `keras_o2v.retrieval` (retrieval training) -> `keras_o2v.tasks` (`RetrievalTask`; its
  `losses` and `candidate_frequencies` modules are `keras_o2v.tasks.retrieval_losses` and
  `keras_o2v.tasks.candidate_frequencies`)
- `keras_o2v.inference.<module>` -> `keras_o2v.inference.protocol.<module>` (wire formats) or
  `keras_o2v.inference.runtime.<module>` (runners)
- `keras_o2v.training.ranking_metrics` and `keras_o2v.training.ranking_evaluation` ->
  `keras_o2v.evaluation` (the job helper `ranking_metrics` is now `channel_metrics`)

Moved names:
- `keras_o2v.retrieval_metrics`, `keras_o2v.neighbors.retrieval_metrics` / `retrieval_ranks` /
  `metrics_from_ranks` -> `keras_o2v.evaluation.vector_ranking_metrics` / `vector_ranks` /
  `summarize_ranks` (keys `hits_at_k`; the old functions keep their `hits@k` keys and warn
  when called, see `keras_o2v.neighbors.retrieval`)
- `keras_o2v.models.pad_sequences` -> `keras_o2v.data.pad_sequences` (also `keras_o2v.pad_sequences`)
- `keras_o2v.datasets.tokenize` / `build_vocabulary` / `encode` -> `keras_o2v.preprocessing`:
  `Tokenizer(ALPHANUMERIC_WORDS)`, `vocabulary_from_counts`, `tokens_to_ids`

`install()` (called by `keras_o2v/__init__.py`) adds a finder to `sys.meta_path`
that answers only these module names, after every regular finder has declined.
Each old module is built on first import as a copy of its new home's public names
(plus the old class names), and the warning names the new path.
"""

import importlib
import importlib.abc
import importlib.util
import sys
import warnings

_SUMMED_ROWS = {name: f"SummedRows{name}" for name in ("Adam", "Adagrad", "Adadelta", "RMSprop")}

# old module -> (new module, {old attribute: new attribute})
MOVED_MODULES = {
    "keras_o2v.lazy_optimizers": ("keras_o2v.optimizers.lazy", {}),
    "keras_o2v.summed_row_optimizers": ("keras_o2v.optimizers.summed_rows", _SUMMED_ROWS),
    "keras_o2v.learning_rate_decay": ("keras_o2v.optimizers.learning_rate_decay", {}),
    "keras_o2v.demo": ("keras_o2v.commands.demo", {}),
    "keras_o2v.keras_compat": ("keras_o2v.models.keras_compat", {}),
    "keras_o2v.retrieval": ("keras_o2v.tasks", {}),
    "keras_o2v.retrieval.losses": ("keras_o2v.tasks.retrieval_losses", {}),
    "keras_o2v.retrieval.candidate_frequencies": ("keras_o2v.tasks.candidate_frequencies", {}),
    **{f"keras_o2v.inference.{name}": (f"keras_o2v.inference.protocol.{name}", {})
       for name in ("batching", "errors", "instances", "sagemaker", "tfserving_client",
                    "tfserving_json")},
    **{f"keras_o2v.inference.{name}": (f"keras_o2v.inference.runtime.{name}", {})
       for name in ("batch_transform", "embed_file", "saved_model_runner")},
    "keras_o2v.training.ranking_metrics": ("keras_o2v.evaluation", {}),
    "keras_o2v.training.ranking_evaluation": ("keras_o2v.evaluation",
                                              {"ranking_metrics": "channel_metrics"}),
}


DATASETS_TEXT_FUNCTIONS = {
    "tokenize": "keras_o2v.preprocessing.Tokenizer(ALPHANUMERIC_WORDS)",
    "build_vocabulary": "keras_o2v.preprocessing.build_vocabulary (texts) or "
                        "vocabulary_from_counts (token counts)",
    "encode": "keras_o2v.preprocessing.tokens_to_ids",
}


def datasets_tokenize(text):
    """keras_o2v 0.1's `datasets.tokenize`: lower-cased ASCII words."""
    from keras_o2v.preprocessing import ALPHANUMERIC_WORDS, Tokenizer

    return Tokenizer(ALPHANUMERIC_WORDS)(text)


def datasets_build_vocabulary(token_lists, min_count=1, max_size=None):
    """keras_o2v 0.1's `datasets.build_vocabulary`, which took token lists."""
    import collections
    import itertools

    from keras_o2v.preprocessing import vocabulary_from_counts

    counts = collections.Counter(itertools.chain.from_iterable(token_lists))
    return vocabulary_from_counts(counts, min_count=min_count, max_size=max_size)


def datasets_encode(tokens, vocabulary):
    """keras_o2v 0.1's `datasets.encode`."""
    from keras_o2v.preprocessing import tokens_to_ids

    return tokens_to_ids(tokens, vocabulary)


def warn_moved(old, new, stacklevel=3):
    """Warns that `old` (a module or attribute path) is now `new`."""
    warnings.warn(f"{old} is deprecated; use {new}", DeprecationWarning, stacklevel=stacklevel)


class _AliasLoader(importlib.abc.Loader):
    def create_module(self, spec):
        return None  # the default module object

    def exec_module(self, module):
        new_name, renamed = MOVED_MODULES[module.__name__]
        warn_moved(module.__name__, new_name, stacklevel=4)
        target = importlib.import_module(new_name)
        if hasattr(target, "__path__"):
            module.__path__ = []  # a package: its old submodules are aliases too
        if hasattr(target, "__dir__") and callable(getattr(target, "__getattr__", None)):
            for name in target.__dir__():  # a package of lazy exports
                if not name.startswith("__"):
                    setattr(module, name, getattr(target, name))
        module.__dict__.update({key: value for key, value in vars(target).items()
                                if not key.startswith("__")})
        for old, new in renamed.items():
            setattr(module, old, getattr(target, new))


class _AliasFinder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname in MOVED_MODULES:
            return importlib.util.spec_from_loader(fullname, _AliasLoader())
        return None


def install():
    """Makes the old module paths importable (idempotent)."""
    if not any(isinstance(finder, _AliasFinder) for finder in sys.meta_path):
        sys.meta_path.append(_AliasFinder())
