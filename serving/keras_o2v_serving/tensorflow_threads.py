"""TensorFlow's thread pools for a serving process, as TF Serving's
`--tensorflow_intra_op_parallelism` / `--tensorflow_inter_op_parallelism` set them.

0 leaves a pool as it is: TensorFlow's choice (one thread per core) in a fresh
process. A server that already runs several requests at once in its worker
threads can do better with small pools: on 2 cores, one intra-op thread served
3–6% more scoring requests per second at concurrency 8 and 32
(`benchmarks/serving_load.py --intra-op 1` against the default).
The pools are fixed when TensorFlow runs its first operation, so they are set
before any model loads; a process that already ran TensorFlow with other
settings cannot change them, and is told so.

Example:
>>> configure_tensorflow_threads(0, 0)  # a fresh process: TensorFlow's own choice
(0, 0)
"""


def configure_tensorflow_threads(intra_op, inter_op):
    """Sets the pool sizes; returns `(intra_op, inter_op)` as TensorFlow reports them.

    Args:
        intra_op: threads within one operation (0: leave the pool as it is, which is
            TensorFlow's choice unless this process set it before).
        inter_op: threads running independent operations (0: likewise).

    Raises:
        ValueError: a negative size, or sizes that differ from those of a process
            whose TensorFlow runtime has already started.
    """
    import tensorflow as tf

    threading = tf.config.threading
    for flag, value in (("--tensorflow-intra-op-parallelism", intra_op),
                        ("--tensorflow-inter-op-parallelism", inter_op)):
        if value < 0:
            raise ValueError(f"{flag} must be 0 (TensorFlow's choice) or more, got {value}")
    current = (threading.get_intra_op_parallelism_threads(),
               threading.get_inter_op_parallelism_threads())
    wanted = (intra_op or current[0], inter_op or current[1])  # 0: leave the pool as it is
    if wanted == current:
        return current
    try:
        threading.set_intra_op_parallelism_threads(wanted[0])
        threading.set_inter_op_parallelism_threads(wanted[1])
    except RuntimeError:
        raise ValueError(
            f"TensorFlow already runs in this process with intra-op {current[0]} and inter-op "
            f"{current[1]} threads (0: its own choice); --tensorflow-intra-op-parallelism "
            f"{intra_op} / --tensorflow-inter-op-parallelism {inter_op} can only be set before "
            f"its first operation. Serve from a process of its own (o2v serve, ServeProcess)."
        ) from None
    return (threading.get_intra_op_parallelism_threads(),
            threading.get_inter_op_parallelism_threads())
