"""What is secret (one authority), the fakes that replace it, and the leak scanner."""
