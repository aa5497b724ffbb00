"""Every keras_o2v module can be the first import of a fresh interpreter, and Keras then
knows every keras_o2v class.

`keras_o2v/__init__.py` registers keras_o2v's Keras classes when Keras is imported,
which can happen in the middle of importing a keras_o2v module. That works because the
packages holding Keras classes (layers, models, tasks, optimizers) import Keras before
anything else and import one another by full module path; `test_import_chain_rules`
checks those rules on every module, and the subprocess tests import modules first.
"""

import ast
import concurrent.futures
import os
import pkgutil
import subprocess
import sys

import pytest

import keras_o2v
import keras_o2v_serving
from tests.harness import ROOT, subprocess_env

CHAIN_PACKAGES = ("keras_o2v.layers", "keras_o2v.models", "keras_o2v.tasks", "keras_o2v.optimizers")
# Where the chain reaches outside its packages at module level: NumPy-only modules.
CHAIN_MAY_IMPORT = ("keras_o2v.errors", "keras_o2v.hyperparameters", "keras_o2v.metric_names",
                    "keras_o2v.lazy_exports", "keras_o2v.data.ragged_rows",
                    "keras_o2v.data.records", "keras_o2v.data.object_keys",
                    "keras_o2v.data.token_ids")
# One module of each kind of first import (a chain module, a chain package, a TensorFlow
# module outside the chain); the `large` test imports every module first.
FIRST_IMPORTS = ("keras_o2v.layers.token_embedding", "keras_o2v.optimizers",
                 "keras_o2v.export.saved_model")
CHECK = """
import importlib, sys
importlib.import_module(sys.argv[1])
import keras
for name in ("Object2Vec", "Object2VecBackbone", "PairScoringTask", "RetrievalTask",
             "TokenEmbedding", "BiLSTMEncoder", "SummedRowsAdam", "LazyAdam"):
    assert keras.saving.get_registered_object("keras_o2v>" + name) is not None, name
print("ok")
"""


def all_modules():
    names = []
    for package in (keras_o2v, keras_o2v_serving):
        names.append(package.__name__)
        for info in pkgutil.walk_packages(package.__path__, package.__name__ + "."):
            if not info.name.endswith("__main__"):
                names.append(info.name)
    return sorted(names)


def import_first(module):
    return subprocess.run([sys.executable, "-c", CHECK, module], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=300)


def test_modules_imported_first_in_a_fresh_interpreter_register_every_class():
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = dict(zip(FIRST_IMPORTS, pool.map(import_first, FIRST_IMPORTS)))
    failed = {name: done.stderr[-2000:] for name, done in results.items() if done.returncode}
    assert not failed


@pytest.mark.large
def test_every_module_imported_first_in_a_fresh_interpreter_registers_every_class():
    with concurrent.futures.ThreadPoolExecutor(2) as pool:
        results = dict(zip(all_modules(), pool.map(import_first, all_modules())))
    failed = {name: done.stderr[-2000:] for name, done in results.items() if done.returncode}
    assert not failed


def _module_level_imports(path):
    tree = ast.parse(open(path, encoding="utf-8").read())
    for node in tree.body:
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module:
            yield node, node.module


def test_import_chain_rules():
    problems = []
    for package in CHAIN_PACKAGES:
        folder = os.path.join(ROOT, *package.split("."))
        init = os.path.join(folder, "__init__.py")
        first = next(name for _, name in _module_level_imports(init))
        if first != "keras":
            problems.append(f"{package}/__init__.py imports {first} before keras")
        for file in sorted(os.listdir(folder)):
            if not file.endswith(".py") or file == "__init__.py":
                continue
            for node, name in _module_level_imports(os.path.join(folder, file)):
                if not name.startswith("keras_o2v"):
                    continue
                in_chain = any(name.startswith(p + ".") for p in CHAIN_PACKAGES)
                if name in CHAIN_PACKAGES:
                    problems.append(f"{package}.{file}: imports names from the package {name}")
                elif not in_chain and name not in CHAIN_MAY_IMPORT:
                    problems.append(f"{package}.{file}: imports {name} at module level")
    assert not problems


def test_the_modules_the_chain_may_import_do_not_load_tensorflow():
    code = ("import sys\n" + "".join(f"import {m}\n" for m in CHAIN_MAY_IMPORT)
            + "print(sorted(m for m in ('tensorflow', 'keras') if m in sys.modules))")
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=subprocess_env(),
                          capture_output=True, text=True, timeout=300)
    assert done.stdout.strip() == "[]", done.stderr[-2000:]
