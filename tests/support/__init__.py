"""Test support: `sample_forms` writes filled 附件1/2/3 workbooks (tests, the sample, the benchmark)."""
