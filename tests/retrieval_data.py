"""A retrieval task with known structure: users like the items of their own group."""

import numpy as np

USERS, ITEMS, GROUPS = 60, 100, 10


def group_pairs(per_user, seed, users=USERS, items=ITEMS, groups=GROUPS):
    """`per_user` (user, item) positives per user, each item from the user's group.

    User u (1..users) is in group `u % groups`, and so is item i (1..items); a model
    that learns the groups ranks a user's items among the `items / groups` of its
    group, where chance ranks them among all `items`.
    """
    rng = np.random.default_rng(seed)
    records = []
    for user in range(1, users + 1):
        own = [i for i in range(1, items + 1) if i % groups == user % groups]
        for item in rng.choice(own, size=per_user, replace=False):
            records.append({"label": 1, "in0": [user], "in1": [int(item)]})
    rng.shuffle(records)
    return records


def hyperparameters(**overrides):
    """A small pooled retrieval model for `group_pairs`."""
    values = {"enc0_max_seq_len": "1", "enc0_vocab_size": str(USERS + 1),
              "enc1_vocab_size": str(ITEMS + 1), "enc0_network": "pooled_embedding",
              "enc0_token_embedding_dim": "16", "training_objective": "retrieval",
              "learning_rate": "0.02", "mini_batch_size": "32", "epochs": "4"}
    values.update(overrides)
    return values
