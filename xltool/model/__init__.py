"""Records, values, rounding: the plain data every layer shares."""
