"""GeoReport v2 on the wire (R-O311-1): the `.xml` / `.json` suffix, the form a POST comes as,
and the two renderings of one document.

XML is the standard's required format: UTF-8 with its declaration, no namespace. JSON follows
the Spark convention the standard names: the XML root is dropped and a list is an array even of
one (so a single request is an array too), an empty element is `null`.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import parse_qsl
from xml.etree import ElementTree as ET

from aws_lambda_powertools.event_handler import Response

from hotline.domain.errors import BadInput

FORMATS = {"xml": "text/xml; charset=utf-8", "json": "application/json; charset=utf-8"}
# list containers and the name of each element they hold
ITEMS = {
    "services": "service",
    "attributes": "attribute",
    "values": "value",
    "endpoints": "endpoint",
    "formats": "format",
    "service_requests": "request",
    "service_request_updates": "request_update",
    "errors": "error",
}
MAX_FORM = 64 * 1024


def split(file: str) -> tuple[str, str]:
    """`services.json` → (`services`, `json`); no suffix is XML, the required format."""
    name, dot, suffix = file.rpartition(".")
    if not dot:
        return file, "xml"
    if suffix not in FORMATS:
        raise NotAFormat(None, f"不支持 .{suffix} 格式", f"the format .{suffix} is not offered: use .xml or .json")
    return name, suffix


class NotAFormat(BadInput):
    status = 404
    code = "unknown_format"


_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _text(value: Any) -> str:
    """A value as XML 1.0 text: characters XML cannot carry (controls, lone surrogates) become
    U+FFFD, so a document always parses whatever a field holds."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return _NOT_XML.sub("\ufffd", str(value))


def _element(parent: ET.Element, name: str, value: Any) -> None:
    node = ET.SubElement(parent, name)
    _fill(node, name, value)


def _fill(node: ET.Element, name: str, value: Any) -> None:
    if value is None:
        return
    if isinstance(value, dict):
        for key, child in value.items():
            _element(node, key, child)
    elif isinstance(value, list):
        for child in value:
            _element(node, ITEMS[name], child)
    else:
        node.text = _text(value)


def render(root: str, document: list[Any] | dict[str, Any], fmt: str, status: int = 200) -> Response[str]:
    """One document in the asked format: a list under its container (`service_requests` …) or
    an object (`service_definition`, `discovery`)."""
    if fmt == "json":
        body = json.dumps(document, ensure_ascii=False)
    else:
        top = ET.Element(root)
        _fill(top, root, document)
        body = '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(top, encoding="unicode")
    return Response(status, FORMATS[fmt], body)


def errors(status: int, description: str, fmt: str) -> Response[str]:
    """`errors/error {code, description}`: the HTTP status is the code."""
    return render("errors", [{"code": status, "description": description}], fmt, status)


def pairs(raw: bytes) -> list[tuple[str, str]]:
    """A form-encoded body as its pairs, in order; a body that is not a UTF-8 form, or one too
    large, is a 400, never a guess."""
    if len(raw) > MAX_FORM:
        kb = MAX_FORM // 1024
        raise BadInput("too_large", f"请求内容超过 {kb} KB", f"the form is larger than {kb} KB")
    try:
        return parse_qsl(raw.decode("utf-8"), keep_blank_values=True, errors="strict", max_num_fields=200)
    except (UnicodeDecodeError, ValueError) as exc:
        raise BadInput(
            "bad_form", "请求内容不是 UTF-8 表单", f"the body is not a UTF-8 x-www-form-urlencoded form: {exc}"
        ) from None
