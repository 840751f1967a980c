"""How a measured value is written in a results table.

Shared by the Markdown report (``_common.py``) and the documentation's
``benchmark-results`` directive (``docs/_ext/bench_results.py``), so the README, the
results file and the docs show the same figures with the same precision. No imports
with side effects: the docs build imports this module on its own.
"""

from __future__ import annotations

import math


def cell(value):
    """``value`` as table text: sensible precision, thousands separators, ``None`` as a dash."""
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value:,}"
    if isinstance(value, float):
        if math.isnan(value):
            return "n/a"
        a = abs(value)
        if a >= 1000:
            return f"{value:,.0f}"
        if a >= 10:
            return f"{value:.1f}"
        return f"{value:.3g}"
    if isinstance(value, (list, tuple)):
        return ", ".join(cell(v) for v in value)
    return str(value)
