"""Running Kakehashi: the service lifecycle, the embedded nats-server and the local supervisor."""
