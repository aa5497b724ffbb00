"""keras_o2v: Object2Vec pair embeddings for Keras 3, exportable to TensorFlow Serving."""

from keras_o2v import datasets, inference, layers, neighbors, preprocessing, pretrained, tuning, visualization
from keras_o2v.data import ValidationReport, make_dataset, validate_files
from keras_o2v.errors import DataError, HyperparameterError, O2VError
from keras_o2v.export import export_saved_model
from keras_o2v.hyperparameters import EncoderSettings, Hyperparameters
from keras_o2v.inference import SavedModelRunner, to_tfserving_request, to_tfserving_requests
from keras_o2v.models import Object2Vec, pad_sequences
from keras_o2v.neighbors import NearestNeighbors, retrieval_metrics
from keras_o2v.optimizers import make_optimizer
from keras_o2v.preprocessing import prepare_pairs
from keras_o2v.training import SageMakerEarlyStopping, TrainingResult, train
from keras_o2v.tuning import TuningResult, tune

__version__ = "0.1.0"
