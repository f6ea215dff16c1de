"""What a call and a cassette are, read from botocore's models: the bottom layer.

It imports no other layer; every other layer imports it."""
