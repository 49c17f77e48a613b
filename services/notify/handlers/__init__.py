"""The notify service's use cases: each event handler loads, decides (domain) and stages notifications.

- `staging`: a message becomes rendered notification rows (or waits for its recipient);
- `agencies`: profiles, withdrawals, preferences, webhooks, bulletins (COLLAB_IN);
- `services`: matches, registrations, meetings, skill records; an operator's replay of a failed one.
"""
