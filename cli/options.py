"""Parameters shared by several commands (typer ``Annotated`` aliases)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

InputFiles = Annotated[
    list[Path],
    typer.Argument(
        help="DOJ bulk files (.csv, .txt); several files are read as one record set.",
        show_default=False,
    ),
]
Encoding = Annotated[
    str,
    typer.Option(
        "--encoding",
        help="Text encoding of the input files, e.g. latin-1 (default utf-8, BOM accepted).",
    ),
]
