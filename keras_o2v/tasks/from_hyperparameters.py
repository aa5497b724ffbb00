"""The task a hyperparameter map names (`training_objective`), built from its values."""

from keras_o2v.tasks.candidate_frequencies import num_buckets
from keras_o2v.tasks.pair_scoring_task import PairScoringTask
from keras_o2v.tasks.retrieval_task import RetrievalTask
from keras_o2v.tasks.similarity_task import SimilarityTask


def task_from_hyperparameters(hyperparameters):
    """`PairScoringTask` (`training_objective=pair`), `RetrievalTask` (`retrieval`) or
    `SimilarityTask` (`similarity`).

    Args:
        hyperparameters: a `keras_o2v.Hyperparameters`.

    Example:
    >>> hp = keras_o2v.Hyperparameters(enc0_max_seq_len=1, enc0_vocab_size=9)
    >>> type(task_from_hyperparameters(hp)).__name__
    'PairScoringTask'
    """
    hp = hyperparameters
    if hp.training_objective == "similarity":
        return SimilarityTask(temperature=hp.similarity_temperature, name="similarity_task")
    if hp.is_retrieval:
        in1 = hp.encoder(1)
        return RetrievalTask(
            similarity=hp.retrieval_similarity, temperature=hp.retrieval_temperature,
            negatives=hp.negatives, sampled_negatives=hp.retrieval_sampled_negatives,
            logq_correction=hp.retrieval_logq_correction,
            num_buckets=num_buckets(in1.vocab_size, hp.single_token_in1),
            sampling_alpha=hp.retrieval_sampling_alpha, candidate_vocab_size=in1.vocab_size,
            name="retrieval_task")
    return PairScoringTask(
        comparators=hp.comparator_list, mlp_layers=hp.mlp_layers, mlp_dim=hp.mlp_dim,
        mlp_activation=hp.mlp_activation, dropout=hp.dropout,
        num_classes=hp.num_classes if hp.is_classification else None,
        base_rate=hp.calibration_base_rate, name="pair_scoring_task")
