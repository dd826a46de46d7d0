"""Screens for people of every kind of organisation."""
