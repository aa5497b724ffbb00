"""`o2v serve`: SageMaker Object2Vec invocations and the TF Serving REST API over aiohttp.

Names are imported on first use (the CLI reads `ServerConfig`'s defaults for
`o2v serve --help` without loading aiohttp or TensorFlow).

Example:
    $ o2v serve --model-base-path models/o2v --port 8080
    $ curl -d '{"instances": [{"in0": [1, 2], "in1": [3]}]}' \\
        -H 'Content-Type: application/json' localhost:8080/invocations
"""

from keras_o2v.lazy_exports import lazy_exports

__getattr__, __dir__ = lazy_exports(__name__, {
    "create_app": "keras_o2v_serving.app",
    "BackgroundServer": "keras_o2v_serving.launcher",
    "ServeProcess": "keras_o2v_serving.launcher",
    "ServerConfig": "keras_o2v_serving.config",
    "run_server": "keras_o2v_serving.run",
})
