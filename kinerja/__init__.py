"""Kinerja: validated, reproducible performance evaluation of civil servants (ASN)."""
import warnings

import pandas as _pandas

__version__ = "0.1.0"

# Text stays in object columns (str or None), as the extraction reads it (docs/architecture.md, typed
# frame convention). pandas 3 infers its Arrow-backed `str` dtype whenever an Index or Series is built
# from strings, and the pipeline's groupby, merge and set_index keys were converted to Arrow and back
# thousands of times a run: a quarter of the scoring time of a 15,000-employee year
# (docs/performance.md). The option is deprecated for pandas 4, which the lock does not allow yet.
with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    _pandas.set_option("future.infer_string", False)
