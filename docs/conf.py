"""Sphinx configuration of the skdigits documentation.

Build from the repository root (offline, warnings are errors)::

    python -m sphinx -W --keep-going -b html docs docs/_build/html

Needs the ``docs`` extra (``pip install ".[docs]"``: Sphinx and numpydoc) and the
package's own dependencies, because autodoc imports skdigits (and so TensorFlow).
"""

import os
import sys
from pathlib import Path

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
# Document the checkout, installed or not.
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(DOCS / "_ext"))
# Keep TensorFlow's start-up messages out of the build log.
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import skdigits  # noqa: E402

# -- Project ------------------------------------------------------------------------
project = "skdigits"
author = "skdigits developers"
copyright = "skdigits developers"
version = skdigits.__version__
release = skdigits.__version__

# -- General ------------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.intersphinx",
    "sphinx.ext.doctest",
    "numpydoc",
    "cli_help",  # docs/_ext/cli_help.py: the `skdigits ... --help` texts, from cli.py
    "bench_results",  # docs/_ext/bench_results.py: benchmarks/results/results.json tables
]
templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store"]
root_doc = "index"
default_role = "literal"  # `x` in docstrings means code, as ``x`` does
pygments_style = "sphinx"
nitpicky = False

# -- autodoc / autosummary / numpydoc -----------------------------------------------
autosummary_generate = True  # stubs go to docs/generated/ (not committed)
autosummary_imported_members = False
autodoc_default_options = {"members": False}
autodoc_typehints = "none"  # the numpydoc "Parameters" sections say it all
autoclass_content = "class"
numpydoc_show_class_members = False  # the class template lists the methods
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- intersphinx: OFFLINE -----------------------------------------------------------
# The build must not touch the network, so no inventory is downloaded. If inventories
# are put in docs/_intersphinx/ (e.g. python.inv, numpy.inv, sklearn.inv, fetched once
# by hand), links into those projects are made from the local files; otherwise the
# references stay plain text (nitpicky is off, so that is not a warning).
_INVENTORIES = {
    "python": "https://docs.python.org/3/",
    "numpy": "https://numpy.org/doc/stable/",
    "sklearn": "https://scikit-learn.org/stable/",
    "keras": "https://keras.io/api/",
    "joblib": "https://joblib.readthedocs.io/en/stable/",
    "dask": "https://docs.dask.org/en/stable/",
}
intersphinx_mapping = {
    name: (url, str(DOCS / "_intersphinx" / f"{name}.inv"))
    for name, url in _INVENTORIES.items()
    if (DOCS / "_intersphinx" / f"{name}.inv").is_file()
}
intersphinx_timeout = 1

# -- doctest (python -m sphinx -b doctest docs docs/_build/doctest) -----------------
doctest_global_setup = """
import os
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
"""

# -- HTML ---------------------------------------------------------------------------
html_theme = "alabaster"
html_title = f"skdigits {release}"
html_show_sourcelink = False
html_theme_options = {
    "description": "Handwritten digit recognition with CNNs, as scikit-learn estimators",
    "fixed_sidebar": True,
    "page_width": "1180px",
    "sidebar_width": "230px",
    "body_max_width": "none",
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}


