"""Writes the triples of graphs bundled in pykeen as TSV files; runs in the `pykeen` env.

Nations, Kinships and UMLS ship inside the pykeen wheel (no download). For each name,
`OUT/<name>/{train,valid,test}.tsv` gets one `head<TAB>relation<TAB>tail` line per
triple, in pykeen's order, exactly the triples `pykeen.datasets.get_dataset` loads.

Usage: python pykeen_export.py OUT nations kinships umls
"""

import os
import sys

from pykeen.datasets import get_dataset


def main():
    out, names = sys.argv[1], sys.argv[2:]
    for name in names:
        dataset = get_dataset(dataset=name)
        folder = os.path.join(out, name)
        os.makedirs(folder, exist_ok=True)
        for part, factory in (("train", dataset.training), ("valid", dataset.validation),
                              ("test", dataset.testing)):
            with open(os.path.join(folder, f"{part}.tsv"), "w", encoding="utf-8") as tsv:
                for head, relation, tail in factory.triples:
                    tsv.write(f"{head}\t{relation}\t{tail}\n")
        print(f"{name}: {dataset.training.num_triples} / {dataset.validation.num_triples} / "
              f"{dataset.testing.num_triples} triples, {dataset.num_entities} entities, "
              f"{dataset.num_relations} relations")


if __name__ == "__main__":
    main()
