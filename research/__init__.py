"""Research the shipped model does not use: model H's ensembles, choosing ensemble members, and the
one-off studies in ``research/experiments/``. Imports ``ml``; nothing in ``ml/`` that trains or serves the
shipped model imports this package (see research/README.md)."""
