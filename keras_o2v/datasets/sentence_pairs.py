"""Sentence-pair data sets: STS Benchmark, SICK, SNLI and MultiNLI, read from their official files.

Sentence–sentence pairs are Object2Vec's best-known use (SageMaker's Object2Vec docs:
"sentence-sentence pairs"). These loaders take the path of a download the user made
(nothing is fetched) and return a `SentencePairs` (texts, labels, what was skipped),
which writes Object2Vec JSON Lines of text records for `o2v prepare`.

Entailment classes have one order for SICK, SNLI and MultiNLI (SNLI's conventional
order), so a model's class ids mean the same thing on all three: `NLI_CLASSES` =
`("entailment", "neutral", "contradiction")`, ids 0, 1, 2.

Files each loader expects in its `path` folder (the official names):
- `load_sts_benchmark`: `sts-train.csv`, `sts-dev.csv`, `sts-test.csv`; similarity 0–5.
- `load_sick`: `SICK_train.txt`, `SICK_trial.txt` (the dev split), `SICK_test_annotated.txt`;
  relatedness 1–5, or the entailment class.
- `load_snli`: `snli_1.0_train.jsonl`, `snli_1.0_dev.jsonl`, `snli_1.0_test.jsonl`.
- `load_multinli`: `multinli_1.0_train.jsonl`, `multinli_1.0_dev_matched.jsonl`,
  `multinli_1.0_dev_mismatched.jsonl` (the test labels are not public).

`dev` is also called `validation`. A `.gz` copy of a file is read when the file itself
is absent; `path` may also be the file itself.

Example:
>>> train = load_sts_benchmark("stsbenchmark", "train")  # doctest: +SKIP
>>> len(train), train.labels[0], train.texts0[0]  # doctest: +SKIP
(5749, 5.0, 'A plane is taking off.')
>>> train.write_jsonl("sts-train.jsonl")  # doctest: +SKIP
5749
"""

import os

from keras_o2v.datasets.text_pairs import SentencePairs, load_text_pairs
from keras_o2v.errors import DataError

NLI_CLASSES = ("entailment", "neutral", "contradiction")
# SICK writes the same classes in capitals.
NLI_LABEL_MAP = {**{name: k for k, name in enumerate(NLI_CLASSES)},
                 **{name.upper(): k for k, name in enumerate(NLI_CLASSES)}}
NO_CONSENSUS = "gold_label '-' (no annotator consensus)"

STS_BENCHMARK_FILES = {"train": "sts-train.csv", "dev": "sts-dev.csv", "test": "sts-test.csv"}
SICK_FILES = {"train": "SICK_train.txt", "dev": "SICK_trial.txt", "test": "SICK_test_annotated.txt"}
SICK_TASKS = {"relatedness": "relatedness_score", "entailment": "entailment_judgment"}
SNLI_FILES = {split: f"snli_1.0_{split}.jsonl" for split in ("train", "dev", "test")}
MULTINLI_FILES = {split: f"multinli_1.0_{split}.jsonl"
                  for split in ("train", "dev_matched", "dev_mismatched")}
_ALIASES = {"validation": "dev", "trial": "dev", "validation_matched": "dev_matched",
            "validation_mismatched": "dev_mismatched"}
# STS-B columns: genre, file, year, id, score, sentence 1, sentence 2 [, source fields...]
_STS_SCORE, _STS_SENTENCE1, _STS_SENTENCE2 = 4, 5, 6


def load_sts_benchmark(path, split=None):
    """Loads a split of the STS Benchmark (Cer et al., SemEval-2017 Task 1).

    Tab-separated, no header: genre, file, year, id, score, sentence 1, sentence 2; some
    lines carry extra source fields after sentence 2 (ignored). Split on tabs only:
    a few sentences hold quote characters.

    Args:
        path: the folder holding `sts-train.csv`, `sts-dev.csv`, `sts-test.csv`, or one file.
        split: `"train"`, `"dev"` (or `"validation"`), `"test"`; needed when `path` is a folder.

    Returns:
        A `SentencePairs` with float32 similarity scores 0–5.

    Example:
    >>> load_sts_benchmark("stsbenchmark", "test").labels[:3]  # doctest: +SKIP
    array([2.5, 3.6, 5. ], dtype=float32)
    """
    file = split_file(path, split, STS_BENCHMARK_FILES, "STS Benchmark")
    return load_text_pairs(file, _STS_SENTENCE1, _STS_SENTENCE2, _STS_SCORE, format="tsv",
                           header=False, label_type="score", extra_fields=True)


def load_sick(path, split=None, task="relatedness"):
    """Loads a split of SICK (Marelli et al., SemEval-2014 Task 1).

    Tab-separated with a header: `pair_ID sentence_A sentence_B relatedness_score
    entailment_judgment`.

    Args:
        path: the folder holding `SICK_train.txt`, `SICK_trial.txt` (the dev split) and
            `SICK_test_annotated.txt`, or one file.
        split: `"train"`, `"dev"` (or `"validation"`, `"trial"`), `"test"`.
        task: `"relatedness"` (SICK-R: float32 scores 1–5) or `"entailment"` (SICK-E:
            int64 ids of `NLI_CLASSES`: entailment 0, neutral 1, contradiction 2).

    Returns:
        A `SentencePairs`.

    Example:
    >>> load_sick("sick2014", "test", task="entailment").label_names  # doctest: +SKIP
    ('entailment', 'neutral', 'contradiction')
    """
    if task not in SICK_TASKS:
        raise ValueError(f"task must be one of {tuple(SICK_TASKS)}, got {task!r}.")
    file = split_file(path, split, SICK_FILES, "SICK")
    if task == "relatedness":
        return load_text_pairs(file, "sentence_A", "sentence_B", SICK_TASKS[task], format="tsv",
                               header=True, label_type="score")
    return load_text_pairs(file, "sentence_A", "sentence_B", SICK_TASKS[task], format="tsv",
                           header=True, label_map=NLI_LABEL_MAP, label_names=NLI_CLASSES)


def load_snli(path, split=None, **options):
    """Loads a split of SNLI 1.0 (Bowman et al. 2015) from its JSON Lines files.

    Pairs are `sentence1` (premise) and `sentence2` (hypothesis); `gold_label` is the
    class. Pairs whose `gold_label` is "-" (the annotators did not agree) are excluded,
    as is conventional, and counted in `skipped`.

    Args:
        path: the folder holding `snli_1.0_train.jsonl`, `snli_1.0_dev.jsonl`,
            `snli_1.0_test.jsonl`, or one file.
        split: `"train"`, `"dev"` (or `"validation"`), `"test"`.
        **options: passed to `load_text_pairs` (e.g. `empty="skip"`).

    Returns:
        A `SentencePairs` with int64 ids of `NLI_CLASSES`.

    Example:
    >>> dev = load_snli("snli_1.0", "dev")  # doctest: +SKIP
    >>> len(dev), dev.skipped  # doctest: +SKIP
    (9842, {"gold_label '-' (no annotator consensus)": 158})
    """
    return _load_nli(split_file(path, split, SNLI_FILES, "SNLI"), options)


def load_multinli(path, split=None, **options):
    """Loads a split of MultiNLI 1.0 (Williams et al. 2018) from its JSON Lines files.

    The same fields and the same rule for `gold_label` "-" as `load_snli`. The test
    labels are not public, so the splits are train and the two dev sets.

    Args:
        path: the folder holding `multinli_1.0_train.jsonl`, `multinli_1.0_dev_matched.jsonl`,
            `multinli_1.0_dev_mismatched.jsonl`, or one file.
        split: `"train"`, `"dev_matched"`, `"dev_mismatched"` (or `"validation_matched"`,
            `"validation_mismatched"`).
        **options: passed to `load_text_pairs`.

    Returns:
        A `SentencePairs` with int64 ids of `NLI_CLASSES`.

    Example:
    >>> load_multinli("multinli_1.0", "dev_matched").label_names  # doctest: +SKIP
    ('entailment', 'neutral', 'contradiction')
    """
    return _load_nli(split_file(path, split, MULTINLI_FILES, "MultiNLI"), options)


def _load_nli(file, options):
    options = {"format": "jsonl", "label_map": NLI_LABEL_MAP, "label_names": NLI_CLASSES,
               "skip_labels": {"-": NO_CONSENSUS}, **options}
    return load_text_pairs(file, "sentence1", "sentence2", "gold_label", **options)


def split_file(path, split, files, dataset):
    """The file of `split` in folder `path` (or its `.gz`), or `path` itself when it is not a folder.

    Args:
        path: a folder of the data set's official files, or one file.
        split: a key of `files` or an alias (`"validation"` for `"dev"`).
        files: `{split: official file name}`.
        dataset: the data set's name, for messages.

    Raises:
        ValueError: an unknown split, or none given for a folder.
        DataError: the folder lacks the split's file.
    """
    path = os.fspath(path)
    if split is not None:
        split = _ALIASES.get(split, split)
        if split not in files:
            raise ValueError(f"{dataset} split must be one of {tuple(files)}, got {split!r}.")
    if not os.path.isdir(path):
        return path
    if split is None:
        raise ValueError(f"{path} is a folder: name the {dataset} split, one of {tuple(files)}.")
    file = os.path.join(path, files[split])
    for candidate in (file, file + ".gz"):
        if os.path.isfile(candidate):
            return candidate
    raise DataError([(file, 0, f"no such file (the {dataset} {split} split)")])


__all__ = ["NLI_CLASSES", "NLI_LABEL_MAP", "SentencePairs", "load_multinli", "load_sick", "load_snli",
           "load_sts_benchmark", "load_text_pairs", "split_file"]
