"""The Jupyter-free engine of kitops-jupyter; reached through :mod:`kitops_jupyter.api`."""
