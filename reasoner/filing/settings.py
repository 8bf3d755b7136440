"""The office settings of a court filing: who files, in which court, for which agencies.

A small TOML file (``cmr-reason file --settings office.toml``) validated here. Each bundled
county template carries an example (``office.example.toml``) with synthetic names and a
fake bar number; it is marked ``example = true`` and every page made from it says so.
"""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from cmr_reason.facts.errors import UserError

TEMPLATES_DIR = Path(__file__).parent / "templates"
EXAMPLE_NAME = "office.example.toml"


class _Section(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", str_strip_whitespace=True)


class Office(_Section):
    """The prosecuting office and the attorney whose name heads the caption."""

    name: str = Field(min_length=1)
    prosecutor: str = Field(min_length=1)
    prosecutor_title: str = "District Attorney"
    bar_number: str = Field(min_length=1)
    address: tuple[str, ...] = Field(min_length=1)
    phone: str = ""
    email: str = ""
    signer: str = ""
    signer_title: str = ""
    signer_bar_number: str = ""

    @field_validator("address")
    @classmethod
    def _no_blank_lines(cls, lines: tuple[str, ...]) -> tuple[str, ...]:
        if any(not line.strip() for line in lines):
            raise ValueError("address lines must not be blank")
        return tuple(line.strip() for line in lines)

    @property
    def signed_by(self) -> tuple[str, str, str]:
        """Name, title and bar number of whoever signs (the prosecutor unless a signer)."""
        if self.signer:
            return (
                self.signer,
                self.signer_title or "Deputy District Attorney",
                (self.signer_bar_number),
            )
        return self.prosecutor, self.prosecutor_title, self.bar_number


class CourtSettings(_Section):
    """The court the motion is filed in."""

    county: str = Field(min_length=1)
    department: str = ""
    judge: str = "the Presiding Judge of the Superior Court"


class Defenders(_Section):
    """The defenders the notice is addressed to and who receive Exhibit 1."""

    public_defender: str = Field(min_length=1)
    alternate_public_defender: str = ""


class Jurisdiction(_Section):
    """Other prosecutors (city attorneys) whose misdemeanours the office files for."""

    agencies: tuple[str, ...] = ()


class PetitionSettings(_Section):
    """Who files the petitions of the remedies beside Prop 64 (PC 1203.4, 1203.4a, 1170.18).

    ``movant``: ``prosecution`` (the People move, the office's caption) or ``defense`` (a
    public defender's office moves for the defendant).
    """

    movant: Literal["prosecution", "defense"] = "prosecution"


class FilingSettings(_Section):
    """The whole settings file."""

    template: str = "generic"
    example: bool = False
    office: Office
    court: CourtSettings
    defenders: Defenders
    jurisdiction: Jurisdiction = Jurisdiction()
    # Optional: absent from a Prop 64 office's file, and from its filing.json.
    petitions: PetitionSettings | None = None

    @property
    def petition_settings(self) -> PetitionSettings:
        """The [petitions] section, or its defaults."""
        return self.petitions or PetitionSettings()

    @property
    def county_key(self) -> str:
        """The court's county as DOJ writes it (``LOS ANGELES``), to select convictions."""
        return " ".join(self.court.county.upper().split())


def _section_at(loc: tuple[int | str, ...]) -> type[BaseModel] | None:
    """The settings section (model) a validation error's location points into."""
    model: type[BaseModel] = FilingSettings
    for part in loc:
        field = model.model_fields.get(str(part))
        annotation = field.annotation if field is not None else None
        if not (isinstance(annotation, type) and issubclass(annotation, BaseModel)):
            return None
        model = annotation
    return model


def _all_errors(error: ValidationError) -> list[str]:
    """Every problem of a settings file, one plain line each, unknown keys with the valid ones."""
    problems = []
    for item in error.errors():
        loc = tuple(item["loc"])
        where = ".".join(str(part) for part in loc) or "(top level)"
        if item["type"] == "extra_forbidden":
            section = _section_at(loc[:-1])
            valid = ", ".join(section.model_fields) if section is not None else ""
            problems.append(
                f"{where}: unknown key" + (f"; valid keys here: {valid}" if valid else "")
            )
        elif item["type"] == "missing":
            problems.append(f"{where}: missing (required)")
        else:
            problems.append(f"{where}: {item['msg']}")
    return problems


def load_settings(path: Path) -> FilingSettings:
    """Read and validate a settings file; every problem is reported at once, naming the key."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise UserError(f"settings file not found: {path}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise UserError(f"cannot read settings file {path}: {exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise UserError(f"settings file {path} is not valid TOML: {exc}") from None
    try:
        return FilingSettings.model_validate(data)
    except ValidationError as exc:
        problems = _all_errors(exc)
        if len(problems) == 1:
            raise UserError(f"settings file {path}: {problems[0]}") from None
        listed = "\n".join(f"  {problem}" for problem in problems)
        raise UserError(f"settings file {path}: {len(problems)} problems:\n{listed}") from None


def example_settings_path(template: str) -> Path:
    """The bundled example settings of a template (the generic one's if it has none)."""
    own = TEMPLATES_DIR / template / EXAMPLE_NAME
    return own if own.is_file() else TEMPLATES_DIR / "generic" / EXAMPLE_NAME
