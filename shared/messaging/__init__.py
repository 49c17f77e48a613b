"""The messaging core every service uses: envelope, broker, streams, outbox, inbox, consumers and the DLQ."""
