"""The one helper of the `test_*_errors.py` files: the error-path checks moved out of the lessons in `nbs/`."""
import re

import pytest


def raises(exc, fragment: str):
    """`pytest.raises(exc)` for an exception whose message contains `fragment`, taken literally (not as a regex):
    the lessons' `test_fail(f, contains=fragment)`, with the exception type pinned as well."""
    return pytest.raises(exc, match=re.escape(fragment))
