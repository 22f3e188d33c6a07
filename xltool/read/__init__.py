"""Everything that touches an input file: guards, sources, the form reader."""
