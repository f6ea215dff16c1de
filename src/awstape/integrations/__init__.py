"""The pytest plugin and the bridge that shares a cassette file with vcrpy."""
