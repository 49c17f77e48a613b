"""`python -m services.events`: run the events service until SIGTERM or Ctrl-C."""

from services.events.app import build
from services.events.config import EventsSettings
from shared.runtime.service import main

if __name__ == "__main__":
    main(build, EventsSettings)
