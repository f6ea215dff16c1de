"""The platform workflows awstape was made for, and the project's own run scripts."""
