"""The city's own codes (GET /catalog): a category, a district and a street of that district.
One check for every payload that names a place or a category, with the refusal staff read."""

from __future__ import annotations

from hotline.config.schema import CityConfig
from hotline.domain.errors import BadInput


def check_codes(
    config: CityConfig, *, category: str | None = None, district: str | None = None, street: str | None = None
) -> None:
    if category is not None and category not in {x.code for x in config.categories}:
        raise BadInput(
            "unknown_category", f"未知的类别：{category}（见 GET /catalog）", f"unknown category {category!r}"
        )
    streets = {d.code: {s.code for s in d.streets} for d in config.districts}
    if district is not None and district not in streets:
        raise BadInput(
            "unknown_district", f"未知的区县：{district}（见 GET /catalog）", f"unknown district {district!r}"
        )
    if street is not None and (district is None or street not in streets[district]):
        raise BadInput(
            "unknown_street", f"街道 {street} 不属于区县 {district or '（未填）'}", f"unknown street {street!r}"
        )
