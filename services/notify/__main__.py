"""`python -m services.notify`: run the notify service until SIGTERM or Ctrl-C."""

from services.notify.app import build
from services.notify.config import NotifySettings
from shared.runtime.service import main

if __name__ == "__main__":
    main(build, NotifySettings)
