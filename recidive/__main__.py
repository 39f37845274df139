"""``python -m recidive``: the same as the ``recidive`` command."""

from recidive.cli import main

raise SystemExit(main())
