"""One worker of a MultiWorkerMirroredStrategy job (TF_CONFIG comes from the environment).

Usage: multi_worker_train.py TRAIN VALIDATION MODEL_DIR
"""

import sys

import keras_o2v

hp = {"enc0_max_seq_len": 1, "enc0_vocab_size": 60, "enc0_network": "pooled_embedding",
      "enc0_token_embedding_dim": 8, "mlp_dim": 16, "learning_rate": 0.01,
      "mini_batch_size": 64, "epochs": 2}
result = keras_o2v.train(hp, train=sys.argv[1], validation=sys.argv[2], model_dir=sys.argv[3],
                         seed=3, verbose=0)
print("WORKER DONE", result.best_epoch, flush=True)
