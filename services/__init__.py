"""Kakehashi's services: matching, events, training and notify, each run as `python -m services.<name>`."""
