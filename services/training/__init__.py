"""Training service: courses, xAPI completions and the skill records that feed matching."""
