"""Helpers shared by the front ends (the ``%kit`` magics, the panel, the server and ``kitj``).

Code that more than one adapter needs but that is not the engine: it may import :mod:`kitops_jupyter.api`,
:mod:`kitops_jupyter.core` and :mod:`kitops_jupyter.errors`, never an adapter (checked by
``tests/test_architecture.py``).

    capture/             the kernel's DataFrames, fitted models, notebook and imported packages as
                         files plus a Kitfile (``%kit pack --from-kernel`` and the panel's Pack)
    progress_display.py  one progress display per operation: a widget bar where widgets render, else text
"""
