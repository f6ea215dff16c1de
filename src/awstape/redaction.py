"""What a cassette may hold: the rules that take secrets out of recorded calls.

Request credentials never reach a cassette (only the method and path of a request are kept).
Sensitive parameter and response values pass through unchanged until the model-driven
redaction lands (issue 3); the engine already routes every stored and replayed value through
these methods, so that one set of rules will serve record and replay alike.
"""

from __future__ import annotations

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
