"""Test harness: real nats-server and PostgreSQL, through testcontainers when a Docker engine answers."""
