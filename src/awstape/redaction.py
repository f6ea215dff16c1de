"""What a cassette may hold: the rules that take secrets out of recorded calls.

Placeholder until the redaction work lands: it passes everything through unchanged.
"""

from __future__ import annotations

from typing import Any

from botocore.model import OperationModel

from .calls import JSON


class Redactor:
    def request_params(self, params: JSON, model: OperationModel) -> JSON:
        return params

    def response(self, body: bytes, headers: dict[str, str], model: OperationModel,
                 status: int) -> tuple[bytes, dict[str, str]]:
        return body, headers

    def restore(self, body: bytes, model: OperationModel) -> bytes:
        return body

    def describe(self) -> list[str]:
        return []


__all__ = ["Any", "Redactor"]
