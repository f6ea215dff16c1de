"""The cassette file on disk, vcrpy's cassettes, and HTTP requests decoded back into calls."""
