"""The Flask web front end of cppcc-search."""
