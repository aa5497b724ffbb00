"""Benchmark: knowledge-graph link prediction on pykeen's Nations, Kinships and UMLS, keras_o2v beside pykeen.

Link prediction as retrieval: for a triple (head, relation, tail), `in0` is the
two tokens (head, relation) and `in1` the tail entity; every triple also gives the
inverse pair, `in0` = (tail, inverse of the relation), `in1` = head. One token table
holds the entities, the relations and their inverses for enc0; enc1's table holds the
entities. keras_o2v's retrieval mode trains a full softmax over the entities
(`training_objective=retrieval`, `retrieval_negatives=full`).

Data: the triples bundled in the pykeen wheel, exported by `peers/pykeen_export.py`
(run in the `pykeen` virtualenv) into the work folder, with pykeen's train /
validation / test split. Every model is fitted on train; validation chooses settings
and the kept epoch; test is scored once.

Metrics (pykeen's rank-based evaluation): both directions (tail given head and
relation, head given tail and relation), each test triple ranked against every entity,
the other true triples of train, validation and test left out (filtered), realistic
ranks for ties; MRR, hits@1, hits@10. keras_o2v's figures come from
`keras_o2v.evaluate_retrieval` on the two-direction test channel (known: train and
validation; candidates: every entity), which averages over the same 2 x test ranks, with
the ranking of the training job's `validation:mrr` (`keras_o2v.evaluation`): a query's
own object is left out of its candidates as there (`ranking_exclude_self`, `auto`: with
the tied table of the `tied` settings), which never removes an entity here, as a
(head, relation) query is no entity, so the protocol stays pykeen's.

Rows, one table per graph, all in one run of this script:
- pykeen TransE, ComplEx and RotatE (`peers/pykeen_link_prediction.py`, own virtualenv):
  trained with pykeen's pipeline defaults (sLCWA) and with 1-vs-all cross-entropy
  (LCWA), as `PYKEEN_CONFIGS` lists (`--pykeen-configs` changes it), each with pykeen's
  early stopper on the validation MRR; the run with the better validation MRR is scored
  on test;
- keras_o2v with SageMaker's binary recipe: the pair classifier (pooled (head,
  relation) and tail, comparator and MLP head) on the train pairs with
  `negative_sampling_rate=5`, early stopping on the validation loss; ranked by
  P(positive);
- keras_o2v retrieval mode, settings chosen on validation MRR (`TUNED`, the best of
  `SEARCH`; `--search` reruns it), the kept epoch the best by `validation:mrr`.

Usage:
    python benchmarks/kg_link_prediction.py --json rows.json                # all three graphs
    python benchmarks/kg_link_prediction.py --graphs umls --search --peers none
    python benchmarks/kg_link_prediction.py --quick --peers none            # smoke run
"""

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.dirname(HERE))
sys.path.insert(0, HERE)

import envs  # noqa: E402
import numpy as np  # noqa: E402
from validation_search import add_search_arguments, best_candidate, search_candidates  # noqa: E402

from keras_o2v import datasets  # noqa: E402

GRAPHS = ("nations", "kinships", "umls")
PYKEEN_MODELS = ("TransE", "ComplEx", "RotatE")
SAGEMAKER_BINARY = {"enc0_network": "pooled_embedding", "enc_dim": "200",
                    "enc0_token_embedding_dim": "200", "enc1_token_embedding_dim": "200",
                    "negative_sampling_rate": "5", "mlp_layers": "1", "mlp_dim": "256",
                    "mlp_activation": "relu", "mini_batch_size": "256", "optimizer": "adam",
                    "learning_rate": "0.001", "epochs": "100", "early_stopping_patience": "3"}
# The retrieval row; SEARCH entries override BASE, TUNED[graph] is the winner.
BASE = {"network": "bilstm", "dim": 200, "token_dim": 200, "similarity": "dot",
        "temperature": "auto", "learning_rate": 0.003, "batch": 128, "dropout": 0.2,
        "epochs": 100, "patience": 5}
SEARCH = [
    {},
    {"network": "pooled_embedding"},
    {"network": "hcnn"},
    {"similarity": "cosine", "temperature": 0.1},
    {"dropout": 0.0},
    {"dropout": 0.4},
    {"dim": 400, "token_dim": 400},
    {"learning_rate": 0.001},
    # round 2, from {"dropout": 0.0}
    {"dropout": 0.0, "learning_rate": 0.01},
    {"dropout": 0.0, "learning_rate": 0.01, "extra": {"learning_rate_decay": 0.95}},
    {"dropout": 0.0, "extra": {"enc0_layers": 2}},
    {"dropout": 0.0, "batch": 512, "learning_rate": 0.01},
    {"dropout": 0.0, "extra": {"retrieval_negatives": "sampled",
                               "retrieval_sampled_negatives": 16}},
    # round 3: one token table for the entities as heads and as tails (tied)
    {"dropout": 0.0, "tied": True},
    {"tied": True},
    {"dropout": 0.0, "tied": True, "network": "hcnn"},
    {"dropout": 0.0, "tied": True, "similarity": "cosine", "temperature": 0.1},
]
# Chosen on UMLS's validation MRR (the first 13 entries of SEARCH, then the tied ones)
# and used for the three graphs.
UMLS_BEST = {"dropout": 0.0, "batch": 512, "learning_rate": 0.01}
TUNED = {"nations": UMLS_BEST, "kinships": UMLS_BEST, "umls": UMLS_BEST}
# pykeen's training set-ups per model (`peers/pykeen_link_prediction.py --configs`):
# both where they fit the time budget; ComplEx's sLCWA pipeline defaults are left out
# (they do not learn UMLS: MRR 0.12 after 200 epochs).
PYKEEN_CONFIGS = {"TransE": "slcwa,lcwa", "ComplEx": "lcwa", "RotatE": "slcwa,lcwa"}
QUICK = {"epochs": 2, "dim": 8, "token_dim": 8, "batch": 32}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--graphs", default=",".join(GRAPHS))
    parser.add_argument("--quick", action="store_true",
                        help="a tiny synthetic graph, 2 epochs: a smoke run (no network)")
    parser.add_argument("--peers", default="all",
                        help="all (create envs when missing), available (envs that exist), none")
    parser.add_argument("--rows", default="pykeen,sagemaker,retrieval",
                        help="comma-separated row groups to run")
    parser.add_argument("--pykeen-models", default=",".join(PYKEEN_MODELS))
    parser.add_argument("--pykeen-configs", default=None,
                        help="MODEL:CONFIGS;... e.g. 'RotatE:lcwa' (default: PYKEEN_CONFIGS)")
    parser.add_argument("--settings", default=None,
                        help="JSON overrides of the retrieval row's settings (validation runs)")
    add_search_arguments(parser)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--work-dir", default=None)
    parser.add_argument("--json", default=None, help="also write the rows to this JSON file")
    args = parser.parse_args(argv)
    work = args.work_dir or tempfile.mkdtemp(prefix="o2v-kg-")
    os.makedirs(work, exist_ok=True)
    names = ["synthetic"] if args.quick else args.graphs.split(",")
    triples = synthetic_graph(args.seed) if args.quick else export_graphs(names, work)
    wanted = args.rows.split(",")
    quick = QUICK if args.quick else {}
    tables = {}
    for name in names:
        graph = encode_graph(triples[name], os.path.join(work, name))
        print(f"{name}: {graph['counts']}", flush=True)
        rows = tables[name] = []

        def add(row):
            rows.append(row)
            print(f"  -> {json.dumps({k: v for k, v in row.items() if k != 'hyperparameters'})}",
                  flush=True)
            if args.json:
                write_json(args.json, tables)

        if "pykeen" in wanted:
            for model in args.pykeen_models.split(","):
                add(run_pykeen(name, model, args))
        if "sagemaker" in wanted:
            hp = {**sagemaker_hyperparameters(graph), **({"epochs": "2"} if quick else {})}
            add(run_o2v("keras_o2v, SageMaker binary recipe (negative_sampling_rate 5, MLP head)",
                        hp, graph, work, args.seed, not args.validation_only))
        if "retrieval" in wanted:
            if args.search:
                settings = search(graph, work, args.seed, quick, args.search_range, add)
            else:
                settings = {**BASE, **TUNED.get(name, {}), **json.loads(args.settings or "{}"),
                            **quick}
            if not (args.search and args.validation_only):
                row = run_o2v("keras_o2v retrieval mode, tuned on validation",
                              retrieval_hyperparameters(settings, graph), graph, work, args.seed,
                              not args.validation_only)
                row["settings"] = settings
                add(row)
        print_table(name, rows)
    if args.json:
        write_json(args.json, tables)
    return tables


# === Data ===
def export_graphs(names, work):
    """Triples of each graph, `{name: {"train"|"valid"|"test": [(h, r, t), ...]}}` (strings)."""
    folder = os.path.join(work, "pykeen-graphs")
    command = [envs.python_for("pykeen"), os.path.join(HERE, "peers", "pykeen_export.py"),
               folder, *names]
    subprocess.run(command, check=True, capture_output=True, text=True)
    out = {}
    for name in names:
        out[name] = {}
        for part in ("train", "valid", "test"):
            with open(os.path.join(folder, name, f"{part}.tsv"), encoding="utf-8") as tsv:
                out[name][part] = [tuple(line.rstrip("\n").split("\t")) for line in tsv]
    return out


def synthetic_graph(seed, num_entities=30, num_relations=3, per_relation=60):
    """Each relation maps an entity to (entity + shift) mod n, plus random noise triples."""
    rng = np.random.default_rng(seed)
    triples = set()
    for relation in range(num_relations):
        for head in rng.choice(num_entities, per_relation):
            tail = (head + relation + 1) % num_entities if rng.random() < 0.8 else rng.integers(
                num_entities)
            triples.add((f"e{head}", f"r{relation}", f"e{tail}"))
    triples = sorted(triples)
    order = rng.permutation(len(triples))
    cut1, cut2 = int(0.8 * len(triples)), int(0.9 * len(triples))
    parts = {"train": order[:cut1], "valid": order[cut1:cut2], "test": order[cut2:]}
    return {"synthetic": {part: [triples[i] for i in rows] for part, rows in parts.items()}}


def encode_graph(triples, folder):
    """Ids and the two-direction JSON Lines channels of a graph.

    Entities get ids 1..E (sorted names), relations E+1..E+R and their inverses
    E+R+1..E+2R: the enc0 vocabulary; enc1's is the entities.
    """
    os.makedirs(folder, exist_ok=True)
    every = [t for part in triples.values() for t in part]
    entities = sorted({t[0] for t in every} | {t[2] for t in every})
    relations = sorted({t[1] for t in every})
    entity_id = {e: i + 1 for i, e in enumerate(entities)}
    relation_id = {r: len(entities) + 1 + i for i, r in enumerate(relations)}
    num_e, num_r = len(entities), len(relations)
    graph = {"num_entities": num_e, "num_relations": num_r, "files": {},
             "counts": {part: len(rows) for part, rows in triples.items()}}
    graph["counts"].update(entities=num_e, relations=num_r)
    for part, rows in triples.items():
        path = graph["files"][part] = os.path.join(folder, f"{part}.jsonl")
        records = []
        for head, relation, tail in rows:
            h, r, t = entity_id[head], relation_id[relation], entity_id[tail]
            records.append({"label": 1, "in0": [h, r], "in1": [t]})
            records.append({"label": 1, "in0": [t, r + num_r], "in1": [h]})
        datasets.write_jsonl(records, path)
    return graph


# === Rows ===
def run_pykeen(name, model, args):
    row_name = f"pykeen {model}"
    skipped = envs.skip_reason("pykeen", args.peers)
    if skipped:
        return {"model": row_name, "test": None, "validation_mrr": None, "fit_s": None,
                "notes": skipped}
    configs = dict(PYKEEN_CONFIGS)
    if args.pykeen_configs:
        configs.update(item.split(":") for item in args.pykeen_configs.split(";"))
    result, failure = envs.run_peer_script(
        row_name, "pykeen", "pykeen_link_prediction.py",
        [name, model, "--configs", configs[model], "--seed", args.seed])
    if failure:
        return {"model": row_name, "test": None, "validation_mrr": None, "fit_s": None,
                "notes": failure}
    return {"model": row_name,
            "test": {key: result[key] for key in ("mrr", "hits_at_1", "hits_at_10")},
            "validation_mrr": result["validation_mrr"], "fit_s": result["fit_s"],
            "validation_mrr_by_config": result["validation_mrr_by_config"],
            "notes": result["settings"]}


def sagemaker_hyperparameters(graph):
    return {**SAGEMAKER_BINARY, "enc0_max_seq_len": "2",
            "enc0_vocab_size": str(graph["num_entities"] + 2 * graph["num_relations"] + 1),
            "enc1_network": "pooled_embedding", "enc1_max_seq_len": "1",
            "enc1_vocab_size": str(graph["num_entities"] + 1)}


def retrieval_hyperparameters(settings, graph):
    """The retrieval row's hyperparameters: `settings["network"]` encodes (entity, relation)."""
    network = settings["network"]
    # pooled_embedding has no projection: its output width is its token width
    width = settings["token_dim"] if network == "pooled_embedding" else settings["dim"]
    hp = {"enc0_network": network, "enc0_max_seq_len": 2,
          "enc0_vocab_size": graph["num_entities"] + 2 * graph["num_relations"] + 1,
          "enc0_token_embedding_dim": settings["token_dim"], "enc_dim": settings["dim"],
          "enc1_network": "pooled_embedding", "enc1_max_seq_len": 1,
          "enc1_vocab_size": graph["num_entities"] + 1, "enc1_token_embedding_dim": width,
          "training_objective": "retrieval", "retrieval_negatives": "full",
          "retrieval_similarity": settings["similarity"],
          "retrieval_temperature": settings["temperature"],
          "optimizer": "adam", "learning_rate": settings["learning_rate"],
          "mini_batch_size": settings["batch"], "epochs": settings["epochs"],
          "dropout": settings["dropout"], "early_stopping_metric": "validation:mrr",
          "early_stopping_patience": settings["patience"], "early_stopping_tolerance": 0.001}
    if settings.get("tied"):  # one table for entities in both roles (and relations)
        hp.update(enc1_vocab_size=hp["enc0_vocab_size"], tied_token_embedding_weight=True)
    hp.update(settings.get("extra", {}))  # other hyperparameters, as they are
    return {key: str(value) for key, value in hp.items()}


def run_o2v(name, hp, graph, work, seed, test=True):
    import keras_o2v

    files = graph["files"]
    model_dir = tempfile.mkdtemp(prefix="o2v-", dir=work)
    print(f"running {name}: {json.dumps(hp, sort_keys=True)}", flush=True)
    start = time.perf_counter()
    result = keras_o2v.train(hp, train=files["train"], validation=files["valid"],
                             model_dir=model_dir, seed=seed, verbose=0)
    fit_s = time.perf_counter() - start
    entities = np.arange(1, graph["num_entities"] + 1)

    def evaluate(part, known):
        metrics = keras_o2v.evaluate_retrieval(result.model, files[part], known=known,
                                               candidates=entities)
        return {key: metrics[key] for key in ("mrr", "hits_at_1", "hits_at_10")}

    validation = evaluate("valid", [files["train"]])
    return {"model": name,
            "test": evaluate("test", [files["train"], files["valid"]]) if test else None,
            "validation_mrr": validation["mrr"], "fit_s": fit_s, "best_epoch": result.best_epoch,
            "epochs_run": len(result.history),
            "notes": f"kept epoch {result.best_epoch} of {len(result.history)}",
            "hyperparameters": hp}


def search(graph, work, seed, quick, search_range=":", record=None):
    """Trains every SEARCH candidate, keeps the best validation MRR (test is not read)."""
    candidates = search_candidates(SEARCH, search_range)

    def train(candidate):
        settings = {**BASE, **candidate, **quick}
        return run_o2v(f"search {json.dumps(candidate)}",
                       retrieval_hyperparameters(settings, graph), graph, work, seed, test=False)

    best = best_candidate(candidates[:2] if quick else candidates, train, "validation MRR",
                          lambda row: row["validation_mrr"], record=record)
    return {**BASE, **best, **quick}


# === Output ===
def write_json(path, tables):
    with open(path, "w") as out:
        json.dump(tables, out, indent=1, default=str)


def print_table(name, rows):
    print(f"\n{name}\n\n| model | MRR | hits@1 | hits@10 | validation MRR | fit (s) | notes |")
    print("|---|---|---|---|---|---|---|")
    for row in rows:
        if row.get("search"):
            continue
        test = row.get("test")
        cells = ["n/a"] * 3 if test is None else [
            f"{test[key]:.4f}" for key in ("mrr", "hits_at_1", "hits_at_10")]
        validation = "n/a" if row.get("validation_mrr") is None else f"{row['validation_mrr']:.4f}"
        fit = "n/a" if row.get("fit_s") is None else f"{row['fit_s']:.1f}"
        print(f"| {row['model']} | " + " | ".join(cells) + f" | {validation} | {fit} | "
              f"{row['notes']} |")
    sys.stdout.flush()


if __name__ == "__main__":
    main()
