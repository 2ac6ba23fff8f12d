"""The knowledge base a city ships (R-KB-1): entries owned by units, each valid until a date.

Entries live in `infra/cities/kb/<city>.yaml`, reviewed by the center like any other change,
validated against the city's units and categories at synth and baked beside `city.json`.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError, field_validator

from hotline.config.loader import CityConfigError
from hotline.config.schema import SLUG, CityConfig


class KnowledgeEntry(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    id: str = Field(pattern=SLUG)
    question: str = Field(min_length=2, max_length=200)
    answer: str = Field(min_length=2, max_length=2000)
    keywords: list[str] = []
    category: str
    unit: str
    valid_until: date
    updated_at: date

    @field_validator("keywords", mode="before")
    @classmethod
    def _words(cls, v: object) -> object:
        """YAML reads a bare 12315 as a number; a keyword is always text."""
        return [str(k) if isinstance(k, int) else k for k in v] if isinstance(v, list) else v

    def valid_on(self, day: date) -> bool:
        return day <= self.valid_until


_ENTRIES = TypeAdapter(list[KnowledgeEntry])


def parse_knowledge(data: object, source: str, config: CityConfig | None = None) -> list[KnowledgeEntry]:
    if not isinstance(data, dict) or not isinstance(data.get("entries"), list):
        raise CityConfigError(f"{source}: expected a mapping with a list of `entries`")
    try:
        entries = _ENTRIES.validate_python(data["entries"])
    except ValidationError as exc:
        lines = [f"{source}: invalid knowledge base ({exc.error_count()} problem(s))"]
        lines += [f"  - entries.{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]
        raise CityConfigError("\n".join(lines)) from None
    problems: list[str] = []
    ids = [e.id for e in entries]
    problems += [f"duplicate entry id {i!r}" for i in sorted({i for i in ids if ids.count(i) > 1})]
    if config is not None:
        cats, units = {c.code for c in config.categories}, {u.id for u in config.units}
        for e in entries:
            if e.category not in cats:
                problems.append(f"{e.id}: unknown category {e.category!r}")
            if e.unit not in units:
                problems.append(f"{e.id}: unknown owning unit {e.unit!r}")
    if problems:
        raise CityConfigError(f"{source}: " + "; ".join(problems))
    return entries


def load_knowledge(path: str | Path, config: CityConfig | None = None) -> list[KnowledgeEntry]:
    """Read `kb/<city>.yaml` (synth) or the baked `kb.json` (functions); a missing file is an empty KB."""
    path = Path(path)
    if not path.is_file():
        return []
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".json":
        data = json.loads(text)
    else:
        import yaml  # synth-time only

        data = yaml.safe_load(text)
    return parse_knowledge(data, str(path), config)


def knowledge_json(entries: list[KnowledgeEntry]) -> str:
    return json.dumps({"entries": [e.model_dump(mode="json") for e in entries]}, ensure_ascii=False)
