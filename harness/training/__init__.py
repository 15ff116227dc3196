"""One run: its spec and identity (``spec``), the data order (``order``), evaluation (``evaluation``) and the
training loop (``loop``)."""
