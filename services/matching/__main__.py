"""`python -m services.matching`: run the matching service until SIGTERM or Ctrl-C."""

from services.matching.app import build
from services.matching.config import MatchingSettings
from shared.runtime.service import main

if __name__ == "__main__":
    main(build, MatchingSettings)
