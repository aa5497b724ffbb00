"""Per-step timing for the training benchmarks, in alternating rounds.

Why per step: `model.fit` on a `tf.data` pipeline with autotuning on often
returns only when the autotune thread next wakes up (after 10 ms, then 20, 40,
... ms), so the wall time of a whole `fit` call rounds up to 2.55 / 5.11 / 10.23
/ 20.47 s whatever the steps took. Here every variant is timed step by step:
`StepTimer` records the time between consecutive `on_train_batch_end` calls of
`fit` (the whole step as `fit` runs it: input, the traced train function, the
callbacks and logs), and `time_function_steps` does the same for a plain
`tf.function` train step called in a Python loop. The first steps of every round
are dropped (warm-up).

Why rounds: the development machine is shared, so load comes and goes.
`alternate` runs every variant for one round in turn, `rounds` times, so a burst
of load hits all of them alike; `report` prints the median step time of each
variant over all its timed steps, the spread of its round medians, and its
ratio to the reference (the ratio of pairs per second, > 1 = faster than the
reference), with the spread of the per-round ratios.

Example:
>>> results = alternate({"ref": run_ref, "ours": run_ours}, rounds=5)  # doctest: +SKIP
>>> report(results, batch_size=512, reference="ref")  # doctest: +SKIP
"""

import time

import keras
import numpy as np


class StepTimer(keras.callbacks.Callback):
    """Records the seconds between consecutive `on_train_batch_end` calls of `fit`.

    The interval before the first recorded step is not known (it includes
    `fit`'s set-up), so a `fit` of n steps yields n - 1 step times.
    """

    def __init__(self):
        super().__init__()
        self.times = []
        self._last = None

    def on_train_begin(self, logs=None):
        self._last = None

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        if self._last is not None:
            self.times.append(now - self._last)
        self._last = now


def time_fit_steps(model, dataset, steps=None, warmup=2):
    """Step times (s) of one `model.fit(dataset)` call, without its first `warmup` steps.

    Args:
        model: a compiled Keras model.
        dataset: a `tf.data.Dataset`; repeated (infinite) when `steps` is given.
        steps: timed steps; None = one pass over the (finite) dataset, which lets a
            cache inside it (`make_dataset`'s) complete.
        warmup: steps dropped at the start.
    """
    timer = StepTimer()
    model.fit(dataset, steps_per_epoch=None if steps is None else steps + warmup + 1,
              epochs=1, verbose=0, callbacks=[timer], shuffle=False)
    return timer.times[warmup:]


def time_function_steps(step, batches, steps, warmup=2):
    """Step times (s) of `step(*batch)` called on `steps + warmup + 1` batches of an iterator.

    The result of every call is fetched (`numpy()`), as `fit` does with its logs.
    """
    times, last = [], None
    for i in range(steps + warmup + 1):
        np.asarray(step(*next(batches)))
        now = time.perf_counter()
        if last is not None and i > warmup:
            times.append(now - last)
        last = now
    return times


def alternate(runs, rounds):
    """Calls every `runs[name]()` (returning step times) once per round, in turn.

    Returns:
        `{name: [step times of round 0, of round 1, ...]}`.
    """
    results = {name: [] for name in runs}
    for round_index in range(rounds):
        for name, run in runs.items():
            results[name].append(list(run()))
        medians = ", ".join(f"{name} {1000 * np.median(times[-1]):.1f}"
                            for name, times in results.items())
        print(f"  round {round_index + 1}/{rounds}: median ms/step {medians}", flush=True)
    return results


def summarise(results, batch_size, reference):
    """Rows `{name, pairs_per_s, ms_per_step, round_low, round_high, ratio, ratio_low,
    ratio_high}` from `alternate`'s results; ratios are pairs/s over the reference's."""
    reference_rounds = [np.median(times) for times in results[reference]]
    rows = []
    for name, rounds in results.items():
        median = float(np.median(np.concatenate(rounds)))
        round_medians = [np.median(times) for times in rounds]
        ratios = [ref / own for ref, own in zip(reference_rounds, round_medians)]
        rows.append({
            "name": name, "ms_per_step": 1000 * median, "pairs_per_s": batch_size / median,
            "round_low": batch_size / max(round_medians),
            "round_high": batch_size / min(round_medians),
            "ratio": float(np.median(np.concatenate(results[reference]))) / median,
            "ratio_low": float(min(ratios)), "ratio_high": float(max(ratios)),
            "steps": int(sum(len(times) for times in rounds)),
        })
    return rows


def report(results, batch_size, reference, title="variant"):
    """Prints `summarise(...)` as a Markdown table and returns its rows."""
    rows = summarise(results, batch_size, reference)
    print(f"\n| {title} | pairs/s (median) | rounds' range | ms/step | ÷ {reference} "
          f"| rounds' range |\n|---|---|---|---|---|---|")
    for row in rows:
        print(f"| {row['name']} | {row['pairs_per_s']:,.0f} | {row['round_low']:,.0f}–"
              f"{row['round_high']:,.0f} | {row['ms_per_step']:.1f} | {row['ratio']:.2f} | "
              f"{row['ratio_low']:.2f}–{row['ratio_high']:.2f} |")
    return rows
