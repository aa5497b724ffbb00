"""`o2v serve`: SageMaker Object2Vec invocations and the TF Serving REST API over aiohttp.

Example:
    $ o2v serve --model-base-path models/o2v --port 8080
    $ curl -d '{"instances": [{"in0": [1, 2], "in1": [3]}]}' \\
        -H 'Content-Type: application/json' localhost:8080/invocations
"""

from keras_o2v_serving.app import create_app
from keras_o2v_serving.background import BackgroundServer
from keras_o2v_serving.config import ServerConfig
from keras_o2v_serving.run import run_server
