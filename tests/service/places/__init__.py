"""Places: GeoJSON import, listing and dwelling distances."""
