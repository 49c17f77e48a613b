"""Notify service: trilingual notifications by e-mail, webhook and LINE, exactly once."""
