"""Matching service: explainable cross-border partner matching between Thai and Mie SMEs."""
