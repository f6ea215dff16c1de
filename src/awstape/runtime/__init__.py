"""A cassette in use: botocore's hooks, the record modes, the guards, the stand-in."""
