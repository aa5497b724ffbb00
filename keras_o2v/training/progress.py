"""Progress lines of a training job whose output is not a terminal (log files, notebooks, CI).

Keras' progress bar redraws one terminal line; written to a file it is either
silent until the epoch ends (`verbose=2`) or a flood of carriage returns. A job
of 4-8 minute epochs then shows nothing for minutes. `ProgressLines` prints a
plain line every `seconds` instead, and one line per finished epoch:

```
epoch 3/40: step 1,200 of ~5,000 (24%), 3,412 pairs/s, epoch ETA 1 min 51 s, job ETA 1 h 9 min
epoch 3/40 done in 2 min 27 s (3,398 pairs/s): loss 0.5123, validation loss 0.4981
```

Epochs are counted from 1 here, as in Keras' progress bar; the `#quality_metric`
lines and `metrics.json` keep SageMaker's epoch numbers, counted from 0. The steps
of the first epoch are estimated from the number of train records (when known);
later epochs use the first one's count. `pairs/s` counts `mini_batch_size` pairs
per step (the last batch of an epoch may hold fewer); in progress lines it leaves out
the epoch's first step, which waits for the input pipeline (and in the first epoch
for the step to be traced).
"""

import time

import keras


def format_duration(seconds):
    """`47 s`, `2 min 27 s`, `1 h 9 min`."""
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds} s" if seconds else f"{minutes} min"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if minutes else f"{hours} h"


def epoch_label(epoch, epochs):
    """`epoch 3/40` for Keras' 0-based epoch index 2."""
    return f"epoch {epoch + 1}/{epochs}"


class ProgressLines(keras.callbacks.Callback):
    """Prints a progress line every `seconds` and one line per finished epoch.

    Args:
        epochs: the job's `epochs` (the total shown in `epoch 3/40`).
        batch_size: pairs per step (the global `mini_batch_size`).
        seconds: time between progress lines; 0 or None prints only epoch lines.
        expected_steps: steps of the first epoch, when known (estimated from the
            record count); None shows the first epoch without a step total.
        printer: where lines go (`print` by default).
        clock: a monotonic clock in seconds (tests pass a fake one).

    Example:
    >>> model.fit(data, epochs=40, verbose=0,
    ...           callbacks=[ProgressLines(40, batch_size=512, seconds=30)])  # doctest: +SKIP
    """

    def __init__(self, epochs, batch_size, seconds=30, expected_steps=None, printer=print,
                 clock=time.monotonic):
        super().__init__()
        self.epochs = epochs
        self.batch_size = batch_size
        self.seconds = seconds
        self.steps_per_epoch = expected_steps
        self.printer = printer
        self.clock = clock
        self._epoch = 0
        self._started = self._last_line = self._last_step = self._first_step = 0.0
        self._steps = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch
        self._started = self._last_line = self._last_step = self.clock()
        self._steps = 0

    def on_train_batch_end(self, batch, logs=None):
        self._steps = batch + 1
        now = self._last_step = self.clock()
        if self._steps == 1:
            self._first_step = now
        if self.seconds and now - self._last_line >= self.seconds:
            self._last_line = now
            self.printer(self.progress_line(now), flush=True)

    def progress_line(self, now):
        parts = [f"{epoch_label(self._epoch, self.epochs)}: step {self._steps:,}"]
        total = self.steps_per_epoch
        if total and total >= self._steps:
            parts[0] += f" of ~{total:,} ({100 * self._steps / total:.0f}%)"
        # Steps per second after the first one, whose wait for the input pipeline (and, in
        # the first epoch, the tracing of the step) says nothing about the ones to come.
        rate = (self._steps - 1) / (now - self._first_step) if now > self._first_step else 0
        if rate > 0:
            parts.append(f"{rate * self.batch_size:,.0f} pairs/s")
        if total and total >= self._steps and rate > 0:
            epoch_left = (total - self._steps) / rate
            job_left = epoch_left + (self.epochs - self._epoch - 1) * total / rate
            parts.append(f"epoch ETA {format_duration(epoch_left)}")
            parts.append(f"job ETA {format_duration(job_left)}")
        return ", ".join(parts)

    def on_epoch_end(self, epoch, logs=None):
        logs = logs or {}
        if self._steps:
            self.steps_per_epoch = self._steps
        training = max(self._last_step - self._started, 1e-9)  # validation not included
        text = (f"{epoch_label(epoch, self.epochs)} done in "
                f"{format_duration(self.clock() - self._started)} "
                f"({self._steps * self.batch_size / training:,.0f} pairs/s)")
        losses = [f"{name} {logs[key]:.4f}" for key, name in
                  (("loss", "loss"), ("val_loss", "validation loss")) if key in logs]
        if losses:
            text += ": " + ", ".join(losses)
        self.printer(text, flush=True)
