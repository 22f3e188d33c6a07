"""A batch: planning (plan), spooling (spool), processes (workers, chunks), progress; pipeline runs them."""
