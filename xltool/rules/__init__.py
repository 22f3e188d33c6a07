"""Records to findings and scores: the engine, the catalogue, profiles, one module per family."""
