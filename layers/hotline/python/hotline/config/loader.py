"""Load and validate a city's config, with errors that name the file, the field and the problem."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from hotline.config.schema import CityConfig
from hotline.settings import REPOSITORY_CITIES as CITIES_DIR  # where the repository keeps them

__all__ = ["CITIES_DIR", "CityConfigError", "city_config", "load_city_file", "parse_city_config"]


class CityConfigError(ValueError):
    """A city config that cannot be used; the message is meant for the person who edits it."""


def parse_city_config(data: Any, source: str) -> CityConfig:
    try:
        return CityConfig.model_validate(data)
    except ValidationError as exc:
        lines = [f"{source}: invalid city config ({exc.error_count()} problem(s))"]
        for err in exc.errors():
            where = ".".join(str(p) for p in err["loc"]) or "(top level)"
            lines.append(f"  - {where}: {err['msg']}")
        raise CityConfigError("\n".join(lines)) from None


def load_city_file(path: str | Path) -> CityConfig:
    """Read a city YAML (at synth) or its baked JSON (in a function)."""
    path = Path(path)
    if not path.is_file():
        raise CityConfigError(f"{path}: no such city config")
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
    else:
        import yaml  # synth-time only; functions read the baked JSON

        try:
            data = yaml.safe_load(text)
        except yaml.YAMLError as exc:
            raise CityConfigError(f"{path}: not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise CityConfigError(f"{path}: expected a mapping at the top level")
    return parse_city_config(data, str(path))


@cache
def city_config(city: str, directory: str | None = None) -> CityConfig:
    """The config of a city by name, from `directory` (the wiring passes the settings'), else the
    repository's infra/cities (synth, tests); a function reads its baked config instead."""
    base = Path(directory) if directory else CITIES_DIR
    return load_city_file(base / f"{city}.yaml")
