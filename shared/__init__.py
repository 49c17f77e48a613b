"""Kakehashi's shared package: event contracts, the messaging core, storage and the command line."""
