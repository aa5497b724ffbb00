"""Benchmark: sentence similarity (STS Benchmark, SICK-R) and entailment (SICK-E), peers on GloVe 6B 100-d.

Data: the STS Benchmark (`sts-*.csv`) and SICK (`SICK_*.txt`) in `--data-dir`
(default `../shared/data/sentence-pairs` beside the repository root, with the
subfolders `stsbenchmark/` and `sick2014/`), read by `keras_o2v.datasets.load_sts_benchmark`
and `load_sick`. Every setting is chosen on dev; test is scored once.

Columns (test, then the same on dev):
- STS-B cosine: Pearson / Spearman ×100 of the gold score against the cosine of the two
  sentence embeddings (the transfer protocol of sentence-embedding papers);
- STS-B predicted: the same against a score the system predicts (a model trained on
  STS-B train);
- SICK-R cosine and SICK-R predicted: likewise on SICK relatedness;
- SICK-E accuracy ×100 (entailment, neutral, contradiction);
- train (s): wall-clock seconds building the row's systems for all tasks (fitting and the
  settings search on dev; loading GloVe and tokenizing are shared and not counted).

Rows (`ROWS`; `benchmarks/peers/sentence_baselines.py` documents the peers): averaged
GloVe, SIF, TF-IDF, SentEval-style ridge / logistic regression on [|u - v|, u * v] of
averaged GloVe, the majority class. All use GloVe 6B 100-d (`keras_o2v.datasets.glove_6b_100d()`,
downloaded on first use) and `keras_o2v.preprocessing.Tokenizer()` (lower-cased words and
punctuation). A row is a recipe `recipe(context, task) -> system`
(`benchmarks/sentence_evaluation.py`); keras_o2v rows are recipes appended to `ROWS`.
Published figures of other systems are printed in a separate block: they are not run here.

Usage:
    python benchmarks/sentence_similarity.py --json rows.json
    python benchmarks/sentence_similarity.py --rows glove,sif --data-dir DIR
    python benchmarks/sentence_similarity.py --quick             # a small subset: smoke run
"""

import argparse
import dataclasses
import json
import os
import subprocess
import sys
import time
from typing import Callable, NamedTuple

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

from peers.sentence_baselines import averaged_glove, majority, senteval_style, sif, tfidf  # noqa: E402
from sentence_evaluation import TASKS, Context, evaluate_system  # noqa: E402

from keras_o2v import datasets, preprocessing  # noqa: E402
from keras_o2v.atomic_files import atomic_write  # noqa: E402


class Row(NamedTuple):
    key: str  # the name `--rows` takes
    name: str
    recipe: Callable


ROWS = [
    Row("glove", "averaged GloVe (cosine)", averaged_glove),
    Row("sif", "SIF: a/(a+p(w)) weights, a=1e-3, first PC removed (cosine)", sif),
    Row("tfidf", "TF-IDF (scikit-learn, cosine)", tfidf),
    Row("senteval", "SentEval-style: ridge / logistic regression on [|u-v|, u*v] of averaged GloVe",
        senteval_style),
    Row("majority", "majority class (SICK-E)", majority),
]
QUICK_PAIRS = {"train": 400, "dev": 200, "test": 200}
COLUMNS = [("sts-b", "cosine"), ("sts-b", "predicted"), ("sick-r", "cosine"), ("sick-r", "predicted"),
           ("sick-e", "accuracy")]
HEADERS = ["STS-B cosine P / S", "STS-B predicted P / S", "SICK-R cosine P / S",
           "SICK-R predicted P / S", "SICK-E accuracy"]
# Published test figures of systems not run here (×100).
ANCHORS = [
    ("cosine protocol, STS-B test Spearman (Reimers and Gurevych 2019, Sentence-BERT, Table 1)", [
        ("averaged GloVe 840B 300-d", "58.0"), ("InferSent (GloVe)", "68.0"),
        ("Universal Sentence Encoder", "74.9"), ("SBERT-NLI-base", "77.0")]),
    ("SentEval supervised (Conneau et al. 2017, InferSent; Conneau and Kiela 2018, SentEval)", [
        ("InferSent, STS-B Pearson / Spearman", "75.8 / 75.5"), ("InferSent, SICK-R Pearson", "88.4"),
        ("InferSent, SICK-E accuracy", "86.3")]),
]


def main(argv=None, glove=None):
    """Runs the benchmark; `glove` (a `WordVectors`) replaces GloVe 6B 100-d (smoke tests)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--data-dir", default=None,
                        help="folder with stsbenchmark/ and sick2014/ (default: "
                        "../shared/data/sentence-pairs beside the repository root)")
    parser.add_argument("--rows", default=",".join(row.key for row in ROWS),
                        help=f"comma-separated rows to run, of {[row.key for row in ROWS]}")
    parser.add_argument("--quick", action="store_true",
                        help=f"the first {QUICK_PAIRS} pairs of each split: a smoke run")
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    wanted = args.rows.split(",")
    unknown = sorted(set(wanted) - {row.key for row in ROWS})
    if unknown:
        parser.error(f"unknown rows {unknown}; choose from {[row.key for row in ROWS]}")
    data_dir = args.data_dir or default_data_dir()
    tasks = load_tasks(data_dir, args.quick)
    print(describe(tasks, data_dir, args.quick), flush=True)
    if glove is None:
        start = time.perf_counter()
        glove = datasets.glove_6b_100d()
        print(f"GloVe 6B 100-d: {len(glove.words)} words (source {glove.source}), "
              f"{time.perf_counter() - start:.1f} s", flush=True)
    context = Context(tasks, glove, preprocessing.Tokenizer())
    rows = []
    for row in ROWS:
        if row.key in wanted:
            rows.append(evaluate_system(row.name, row.recipe, context))
            print(f"  -> {json.dumps(rows[-1], default=str)}", flush=True)
            if args.json:
                write_json(args.json, rows)
    print_tables(rows)
    print_anchors()
    return rows


# === Data ===
def default_data_dir():
    """`../shared/data/sentence-pairs` beside the repository root (or the main checkout's: git worktrees)."""
    roots = [os.path.dirname(HERE)]
    try:
        common = subprocess.run(["git", "-C", HERE, "rev-parse", "--path-format=absolute",
                                 "--git-common-dir"], capture_output=True, text=True, timeout=30)
        if common.returncode == 0:
            roots.append(os.path.dirname(common.stdout.strip()))
    except (OSError, subprocess.SubprocessError):
        pass
    folders = [os.path.join(os.path.dirname(root), "shared", "data", "sentence-pairs") for root in roots]
    return next((folder for folder in folders if os.path.isdir(folder)), folders[0])


def load_tasks(data_dir, quick=False):
    """`{task: {split: SentencePairs}}` from `data_dir` (the first `QUICK_PAIRS` with `quick`)."""
    sts, sick = os.path.join(data_dir, "stsbenchmark"), os.path.join(data_dir, "sick2014")
    tasks = {}
    for task in TASKS:
        tasks[task] = {}
        for split in ("train", "dev", "test"):
            if task == "sts-b":
                pairs = datasets.load_sts_benchmark(sts, split)
            else:
                pairs = datasets.load_sick(sick, split, "relatedness" if task == "sick-r" else "entailment")
            tasks[task][split] = head(pairs, QUICK_PAIRS[split]) if quick else pairs
    return tasks


def head(pairs, count):
    return dataclasses.replace(pairs, texts0=pairs.texts0[:count], texts1=pairs.texts1[:count],
                               labels=pairs.labels[:count])


def describe(tasks, data_dir, quick):
    counts = ", ".join(f"{task} " + "/".join(str(len(splits[split])) for split in ("train", "dev", "test"))
                       for task, splits in tasks.items())
    return (f"sentence pairs from {data_dir}: {counts} (train/dev/test)"
            + (" [QUICK: a subset]" if quick else ""))


# === Output ===
def write_json(path, rows):
    with atomic_write(path) as out:
        json.dump(rows, out, indent=1, default=str)


def print_tables(rows):
    for split in ("test", "dev"):
        print(f"\n{split} (settings chosen on dev)\n")
        print("| system | " + " | ".join(HEADERS) + " | train (s) |")
        print("|---|" + "---|" * (len(HEADERS) + 1))
        for row in rows:
            cells = [cell(row[split].get(task, {}).get(column)) for task, column in COLUMNS]
            print(f"| {row['system']} | " + " | ".join(cells) + f" | {row['train_s']:.1f} |")
    print("\nsettings chosen on dev:")
    for row in rows:
        chosen = {task: {k: v for k, v in settings.items() if k != "dev_grid"}
                  for task, settings in row["settings"].items() if settings}
        if chosen:
            print(f"  {row['system']}: {json.dumps(chosen)}")
    sys.stdout.flush()


def cell(value):
    if value is None:
        return "–"
    if isinstance(value, dict):
        if value["pearson"] is None:
            return "n/a"
        return f"{value['pearson']:.1f} / {value['spearman']:.1f}"
    return f"{value:.1f}"


def print_anchors():
    print("\npublished anchors (not run here; test figures ×100, other embeddings and tokenizers)")
    for title, figures in ANCHORS:
        print(f"  {title}:")
        for name, figure in figures:
            print(f"    {name}: {figure}")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
