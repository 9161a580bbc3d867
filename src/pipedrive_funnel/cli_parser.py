"""The argument parser of the project's commands: an error is one line naming the option."""

from __future__ import annotations

import argparse
from typing import NoReturn


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line naming the option, no usage dump."""
        self.exit(2, f"{self.prog}: error: {message}\n")
