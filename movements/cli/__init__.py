"""The ``movements`` command.

A tree, not a circle: ``main`` builds the command from the subcommand modules
(``admin``, ``manifests``, ``imports``); each of them imports only ``common``.
"""

from movements.cli.main import main

__all__ = ["main"]
