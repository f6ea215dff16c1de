"""The ``awstape`` command: record and replay of commands, drift, re-record, audit."""
