"""``python -m kitops_jupyter``: the ``kitj`` command line."""

from .cli import main

raise SystemExit(main())
