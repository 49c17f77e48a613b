"""The matching domain, pure: profiles in matching's terms, scoring with reasons, the index, the match lifecycle."""
