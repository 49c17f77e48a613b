"""The notify service's rules, free of I/O: what each event says to whom, on which channel, exactly once.

- `messages`: from an upstream event to the messages it causes (one per company concerned), as facts.
- `routing`: recipients, preferences and webhooks; which deliveries a message gets, and their ids.
- `schedule`: retry backoff, giving up, the daily digest's clock.
- `signing`: the webhook signature a receiver verifies.
"""
