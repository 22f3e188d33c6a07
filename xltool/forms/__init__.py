"""The three attachment forms as data: labels, synonyms, layouts, variants."""
