"""Object2Vec's objectives: each task owns its head, loss and metrics.

| module | task | `training_objective` |
|---|---|---|
| `pair_scoring_task` | `PairScoringTask`: comparator + MLP + softmax or regression (SageMaker's) | `pair` |
| `retrieval_task` | `RetrievalTask`: similarity trained by softmax over candidates | `retrieval` |
| `similarity_task` | `SimilarityTask`: cosine trained to rank pairs by their scores (CoSENT) | `similarity` |

`task` holds the `Task` base class; `retrieval_losses` the softmax cross-entropies over
candidates; `pearson_correlation` the channel-wide `pearson` metric;
`candidate_frequencies` the train channel's in1 frequencies (logQ
correction, sampled negatives); `from_hyperparameters` maps a hyperparameter map to
its task.
"""

# Keras first: importing it registers every keras_o2v class (see keras_o2v/__init__.py)
# while this package is still empty, so any of its modules can be the first import.
import keras  # noqa: F401

from keras_o2v.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "CandidateFrequencies": "keras_o2v.tasks.candidate_frequencies",
    "PairScoringTask": "keras_o2v.tasks.pair_scoring_task",
    "PearsonCorrelation": "keras_o2v.tasks.pearson_correlation",
    "SimilarityTask": "keras_o2v.tasks.similarity_task",
    "cosent_loss": "keras_o2v.tasks.similarity_task",
    "RetrievalTask": "keras_o2v.tasks.retrieval_task",
    "Task": "keras_o2v.tasks.task",
    "full_softmax_cross_entropy": "keras_o2v.tasks.retrieval_losses",
    "in_batch_cross_entropy": "keras_o2v.tasks.retrieval_losses",
    "task_from_hyperparameters": "keras_o2v.tasks.from_hyperparameters",
})
