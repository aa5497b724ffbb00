"""pykeen's TransE, ComplEx or RotatE on a bundled graph; runs in the `pykeen` env.

Two training set-ups per model, the usual ones (`CONFIGS`), each with pykeen's early
stopper on the validation MRR (evaluated every 10 epochs, patience 3, the best epoch's
weights kept):
- `slcwa`: `pykeen.pipeline.pipeline` defaults for the model (sLCWA, one negative per
  positive, the model's default loss, dimension and regularizer, Adam lr 0.001,
  batch 256), at most `--slcwa-epochs`;
- `lcwa`: 1-vs-all training (`training_loop="lcwa"`) with the softmax cross-entropy,
  Adam lr 0.01, dimension 100, batch 256, at most `--lcwa-epochs`; ComplEx with
  xavier-normal initialisation (with its default normal init this loss does not learn).
The one with the higher validation MRR is kept and scored once on test with
`RankBasedEvaluator` (filtered by the train, validation and test triples, both sides,
realistic ranks): `both.realistic` MRR, hits@1, hits@10. Fit time: pykeen's
`train_seconds` of the kept run (its validation passes included). Prints one JSON line.

Usage: python pykeen_link_prediction.py DATASET MODEL [--configs slcwa,lcwa]
           [--slcwa-epochs 200] [--lcwa-epochs 100] [--seed 0]
"""

import argparse
import json
import os
import pathlib
import tempfile

import torch
from pykeen.datasets import get_dataset
from pykeen.evaluation import RankBasedEvaluator
from pykeen.pipeline import pipeline

STOPPER = {"frequency": 10, "patience": 3, "relative_delta": 0.002,
           "metric": "inverse_harmonic_mean_rank"}


def config(name, model, epochs):
    if name == "slcwa":
        return {"training_kwargs": {"num_epochs": epochs}}
    model_kwargs = {"embedding_dim": 100}
    if model.lower() == "complex":
        model_kwargs.update(entity_initializer="xavier_normal", relation_initializer="xavier_normal")
    return {"training_loop": "lcwa", "loss": "crossentropy", "model_kwargs": model_kwargs,
            "optimizer_kwargs": {"lr": 0.01},
            "training_kwargs": {"num_epochs": epochs, "batch_size": 256}}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("dataset")
    parser.add_argument("model")
    parser.add_argument("--configs", default="slcwa,lcwa")
    parser.add_argument("--slcwa-epochs", type=int, default=200)
    parser.add_argument("--lcwa-epochs", type=int, default=100)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(2)
    os.environ.setdefault("PYKEEN_HOME", tempfile.mkdtemp(prefix="pykeen-home-"))
    dataset = get_dataset(dataset=args.dataset)
    runs = []
    for name in args.configs.split(","):
        epochs = args.slcwa_epochs if name == "slcwa" else args.lcwa_epochs
        checkpoint = pathlib.Path(tempfile.mkdtemp(prefix="pykeen-best-"), "best.pt")
        result = pipeline(
            training=dataset.training, validation=dataset.validation,
            testing=dataset.validation,  # the pipeline's own final evaluation: validation
            model=args.model, random_seed=args.seed, device="cpu", evaluator="rankbased",
            stopper="early", evaluation_kwargs={"batch_size": 256},
            stopper_kwargs={**STOPPER, "best_model_path": checkpoint, "evaluation_batch_size": 256},
            **config(name, args.model, epochs))
        stopper = result.stopper
        if not stopper.stopped and checkpoint.is_file():
            # the run ended at its epoch budget: keep the best validated epoch, as when it stops
            result.model.load_state_dict(torch.load(checkpoint, weights_only=False))
        validation_mrr = result.metric_results.get_metric("both.realistic.inverse_harmonic_mean_rank")
        runs.append({"config": name, "validation_mrr": validation_mrr, "result": result,
                     "best_epoch": stopper.best_epoch, "epochs_run": len(result.losses),
                     "stopped_early": bool(stopper.stopped)})
    best = max(runs, key=lambda run: run["validation_mrr"])
    metrics = RankBasedEvaluator(filtered=True).evaluate(
        best["result"].model, dataset.testing.mapped_triples,
        additional_filter_triples=[dataset.training.mapped_triples,
                                   dataset.validation.mapped_triples], use_tqdm=False, batch_size=256)

    def metric(name):
        return float(metrics.get_metric(f"both.realistic.{name}"))

    print(json.dumps({
        "mrr": metric("inverse_harmonic_mean_rank"), "hits_at_1": metric("hits_at_1"),
        "hits_at_10": metric("hits_at_10"), "validation_mrr": best["validation_mrr"],
        "fit_s": best["result"].train_seconds, "config": best["config"],
        "best_epoch": best["best_epoch"], "epochs_run": best["epochs_run"],
        "validation_mrr_by_config": {run["config"]: round(run["validation_mrr"], 4)
                                     for run in runs},
        "settings": f"pykeen {args.model}, {best['config']} (best epoch {best['best_epoch']} of "
                    f"{best['epochs_run']})"}))


if __name__ == "__main__":
    main()
