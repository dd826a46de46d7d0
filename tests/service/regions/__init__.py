"""Regions, their versioned policies and neighbourhood vulnerability scores."""
