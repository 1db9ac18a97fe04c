"""``python -m automl`` runs the ``automl`` command."""

from automl._cli import main

if __name__ == "__main__":
    raise SystemExit(main())
