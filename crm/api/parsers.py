"""The API's request parser: JSON only, with a nesting limit (SPEC §9: never a 500 for bad input).

Python's decoder recurses once per nesting level, so a few kilobytes of brackets exhaust the
interpreter's stack (RecursionError, a 500); and a body nested a few hundred levels deep that still
decodes would exhaust it later, in validation or copying. Our payloads are at most four levels deep
(a bulk batch: array → record → value), so anything deeper than MAX_DEPTH is refused as bad input.
"""

from django.utils.translation import gettext_lazy as _
from rest_framework.exceptions import ParseError
from rest_framework.parsers import JSONParser as DRFJSONParser

MAX_DEPTH = 32


def json_depth_exceeds(data, limit: int = MAX_DEPTH) -> bool:
    """Whether decoded JSON nests lists and objects deeper than `limit` (iterative: no recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict):
            children = value.values()
        elif isinstance(value, list):
            children = value
        else:
            continue
        if depth > limit:
            return True
        stack.extend((child, depth + 1) for child in children if isinstance(child, dict | list))
    return False


class JSONParser(DRFJSONParser):
    """DRF's JSON parser that answers 400 for JSON nested deeper than MAX_DEPTH levels."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            data = super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(_("JSON parse error - nested deeper than %(limit)d levels.") % {"limit": MAX_DEPTH})
        if json_depth_exceeds(data):
            raise ParseError(_("JSON parse error - nested deeper than %(limit)d levels.") % {"limit": MAX_DEPTH})
        return data
