"""The notify service's storage (SQLAlchemy 2, its own tables); functions named for intent, none commits.

- `tables`: the models; `directory`: recipients, preferences, webhooks, withdrawals, waiting messages;
- `notifications`: staging, claiming, settling and erasing notifications; `bulletins`: bulletins and digests.
"""
