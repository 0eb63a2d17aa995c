"""Reading and writing geometry files (GeoJSON, KML) for the geography adapter."""
