"""The training job: `train()`, early stopping, model_dir layout, strategies."""

from keras_o2v.training.early_stopping import SageMakerEarlyStopping
from keras_o2v.training.job import TrainingResult, train
from keras_o2v.training.model_dir import ModelDir
from keras_o2v.training.strategy import choose_strategy, configure_devices
