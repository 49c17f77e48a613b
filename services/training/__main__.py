"""`python -m services.training`: run the training service until SIGTERM or Ctrl-C."""

from services.training.app import build
from services.training.config import TrainingSettings
from shared.runtime.service import main

if __name__ == "__main__":
    main(build, TrainingSettings)
