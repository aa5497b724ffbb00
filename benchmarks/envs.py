"""Creates the extra virtualenvs the peer libraries of the benchmarks run in.

Two peers cannot share the keras_o2v environment:

- `surprise`: scikit-surprise (SVD), built from source against numpy 1.26 (it does not
  build against numpy 2);
- `tfrs`: TensorFlow Recommenders, which needs Keras 2 (`tf-keras` with
  `TF_USE_LEGACY_KERAS=1`) beside TensorFlow 2.21, while keras_o2v uses Keras 3;
- `retrieval`: rank-bm25 (BM25Okapi) and scikit-learn (TF-IDF), the lexical search
  peers of the document retrieval benchmark (kept out of keras_o2v's own
  requirements: only the benchmark needs them);
- `implicit`: implicit's ALS and BPR (benchmarks/movielens_retrieval.py);
- `fasttext`: fastText supervised (`fasttext-wheel`, the maintained binary wheels of
  fastText 0.9.2), which needs numpy < 2 (its `predict()` uses `np.array(copy=False)`);
- `pykeen`: PyKEEN's TransE, ComplEx and RotatE and its bundled Nations, Kinships and
  UMLS graphs, on PyTorch. `torch==2.13.0` resolves to whatever build the machine's pip
  offers: on the development machine a local CPU wheel (pip's `find-links`); from plain
  PyPI on Linux it is the CUDA build, which also runs on the CPU (a larger download).

Each lives under `benchmarks/../.bench-envs/<name>/` (git-ignored) and is created on
first use with the ordinary `venv` and `pip`. The benchmarks call `python_for(name)`,
which creates the environment when it is missing and returns its interpreter, and run
the peer in a separate process: `run_peer_script` runs one of `benchmarks/peers/`,
whose last line of output is its JSON result.

Usage:
    python benchmarks/envs.py [surprise] [tfrs] [retrieval] [implicit] [fasttext] [pykeen]
                                                    # create (default: all)
"""

import json
import os
import pathlib
import subprocess
import sys
import venv

ROOT = pathlib.Path(__file__).resolve().parent.parent
ENVS_DIR = ROOT / ".bench-envs"

# Pinned so that a rerun builds the same environments.
REQUIREMENTS = {
    "surprise": ["numpy==1.26.4", "scikit-surprise==1.1.4"],
    "tfrs": ["tensorflow==2.21.0", "tf-keras==2.21.0", "tensorflow-recommenders==0.7.3",
             "numpy==2.4.6"],
    "retrieval": ["rank-bm25==0.2.2", "scikit-learn==1.9.1", "numpy==2.4.6"],
    "implicit": ["implicit==0.7.3", "scipy==1.17.1", "numpy==2.4.6", "threadpoolctl==3.8.0"],
    "fasttext": ["fasttext-wheel==0.9.2", "numpy==1.26.4"],
    "pykeen": ["pykeen==1.11.1", "torch==2.13.0"],
}


def env_python(name):
    return ENVS_DIR / name / "bin" / "python"


def python_for(name, quiet=True):
    """Returns the interpreter of environment `name`, creating it first when missing."""
    python = env_python(name)
    marker = ENVS_DIR / name / ".complete"
    if not marker.exists():
        create(name, quiet=quiet)
    return str(python)


def skip_reason(name, peers):
    """Why a benchmark skips the peer in env `name` under its `--peers` option, or None.

    `peers`: "all" (run, creating the env when missing), "available" (run when the env
    exists) or "none".
    """
    if peers == "none":
        return "skipped (--peers none)"
    if peers == "available" and not (ENVS_DIR / name / ".complete").exists():
        return f"skipped (env '{name}' not built; python benchmarks/envs.py {name})"
    return None


def run_peer_script(label, name, script, args, environment=None):
    """Runs `benchmarks/peers/<script>` in environment `name`; returns `(result, failure)`.

    Args:
        label: the row's name, printed with the command.
        name: the environment (created when missing).
        script: a file of `benchmarks/peers/`, which prints its JSON result last.
        args: the script's arguments.
        environment: variables added to this process's (PYTHONPATH is dropped: the
            environment has its own packages).

    Returns:
        `(the decoded last line, None)`, or `(None, "failed (exit N)")` after printing
        the end of the script's stderr.
    """
    command = [python_for(name), str(ROOT / "benchmarks" / "peers" / script), *map(str, args)]
    variables = dict(os.environ, **(environment or {}))
    variables.pop("PYTHONPATH", None)
    print(f"running {label}: {' '.join(command)}", flush=True)
    done = subprocess.run(command, capture_output=True, text=True, env=variables)
    if done.returncode != 0:
        print(done.stderr[-3000:], file=sys.stderr)
        return None, f"failed (exit {done.returncode})"
    return json.loads(done.stdout.strip().splitlines()[-1]), None


def create(name, quiet=False):
    if name not in REQUIREMENTS:
        raise ValueError(f"unknown environment {name!r}; known: {sorted(REQUIREMENTS)}")
    target = ENVS_DIR / name
    print(f"[envs] creating {target} with {' '.join(REQUIREMENTS[name])}", file=sys.stderr,
          flush=True)
    venv.EnvBuilder(with_pip=True, clear=True).create(target)
    python = str(env_python(name))
    pip = [python, "-m", "pip", "install", "--disable-pip-version-check"]
    if quiet:
        pip.append("-q")
    # scikit-surprise 1.1.4 ships no wheels and its .pyx files build only with Cython < 3
    # against numpy < 2 (`np.int_t` is gone from numpy 2's declarations), so install
    # those build requirements first, then build without isolation.
    if name == "surprise":
        subprocess.run(pip + ["setuptools", "wheel", "cython<3", REQUIREMENTS[name][0]], check=True)
        subprocess.run(pip + ["--no-build-isolation"] + REQUIREMENTS[name], check=True)
    else:
        subprocess.run(pip + REQUIREMENTS[name], check=True)
    (target / ".complete").write_text("\n".join(REQUIREMENTS[name]) + "\n")
    return python


def main(argv):
    names = argv or sorted(REQUIREMENTS)
    for name in names:
        create(name)
        print(f"{name}: {env_python(name)}")


if __name__ == "__main__":
    os.chdir(ROOT)
    main(sys.argv[1:])
