"""Running models for inference, in-process (TensorFlow).

| module | what it holds |
|---|---|
| `saved_model_runner` | `SavedModelRunner`: one exported version, its signatures callable from any thread |
| `batch_transform` | `o2v predict`: JSON Lines of instances through a runner, answers in order |
| `embed_file` | `o2v embed`: a file of objects through a Keras model's encoders into a vectors file |
| `embed_pairs` | `o2v embed --pairs`: the distinct objects of one side of a pairs channel |
| `retrieval_evaluation` | `evaluate_retrieval`: ranking metrics of a model or an export on a pairs channel |
"""

from keras_o2v.inference.runtime.batch_transform import BatchTransformError, batch_transform
from keras_o2v.inference.runtime.embed_file import embed_file
from keras_o2v.inference.runtime.embed_pairs import embed_pairs
from keras_o2v.inference.runtime.retrieval_evaluation import evaluate_retrieval
from keras_o2v.inference.runtime.saved_model_runner import SavedModelRunner
