"""SageMaker's bring-your-own container contract: the `train` and `serve` entry points.

`docker run IMAGE train` and `docker run IMAGE serve` (serving/Dockerfile) run
`python -m keras_o2v.container train|serve`, which follow SageMaker's
training and inference container contracts
(https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-training-algo.html,
https://docs.aws.amazon.com/sagemaker/latest/dg/your-algorithms-inference-code.html)
on the `/opt/ml` layout of `paths.SageMakerPaths`. `O2V_OPT_ML` moves that root
(tests run both entry points end to end in a temporary folder).

| module | what it holds |
|---|---|
| `paths` | the `/opt/ml` layout and its config files (hyperparameters, channels, hosts) |
| `train` | a training job: channels -> `o2v train` -> `/opt/ml/model` (+ SavedModel) |
| `serve` | `o2v serve` on 0.0.0.0:8080 (or `SAGEMAKER_BIND_TO_PORT`) over `/opt/ml/model` |
"""
