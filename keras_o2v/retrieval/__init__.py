"""Retrieval training: softmax over candidates (`training_objective=retrieval`).

`losses` holds the softmax cross-entropies (in-batch, sampled, full), `steps` the
training and evaluation steps `Object2Vec` uses in retrieval mode, and
`candidate_frequencies` the train channel's in1 frequencies behind the logQ
correction and sampled negatives.
"""

from keras_o2v.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "CandidateFrequencies": "keras_o2v.retrieval.candidate_frequencies",
    "RetrievalSteps": "keras_o2v.retrieval.steps",
    "full_softmax_cross_entropy": "keras_o2v.retrieval.losses",
    "in_batch_cross_entropy": "keras_o2v.retrieval.losses",
})
