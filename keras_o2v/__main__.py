import sys

from keras_o2v.cli import main

sys.exit(main())
