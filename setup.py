"""Packaging for keras_o2v: the library, the `o2v` console script, and the serving package."""

import pathlib

from setuptools import find_packages, setup

HERE = pathlib.Path(__file__).parent


def read_requirements(name):
    lines = (HERE / name).read_text().splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith(("#", "-r"))]


setup(
    name="keras_o2v",
    version="0.1.0",
    description="Object2Vec pair embeddings for Keras 3, exportable to TensorFlow Serving.",
    long_description=(HERE / "README.md").read_text() if (HERE / "README.md").exists() else "",
    long_description_content_type="text/markdown",
    python_requires=">=3.10",
    packages=find_packages(include=["keras_o2v", "keras_o2v.*"])
    + find_packages(where="serving", include=["keras_o2v_serving", "keras_o2v_serving.*"]),
    package_dir={"keras_o2v_serving": "serving/keras_o2v_serving"},
    install_requires=read_requirements("requirements.txt"),
    extras_require={
        "test": ["pytest>=8"],
        "faiss": ["faiss-cpu>=1.8"],
        "plots": ["matplotlib>=3.8", "scikit-learn>=1.4"],
    },
    entry_points={"console_scripts": ["o2v=keras_o2v.cli:main"]},
    license="Apache-2.0",
)
