"""The training domain, pure: completions read and judged, the course catalogue, skill records, credentials."""
