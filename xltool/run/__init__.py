"""A batch: planning, processes, spooling, progress."""
