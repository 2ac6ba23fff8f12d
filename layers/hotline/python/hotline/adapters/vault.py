"""Citizen contact under the city's KMS key (R-SEC-1): sealed at filing, opened only to act on it.

The encryption context binds each ciphertext to its city and request, so a sealed contact
copied onto another ticket will not open, and CloudTrail shows which request was read.
"""

from __future__ import annotations

import base64
import json
from typing import Any

from hotline.dal.errors import store_errors


class Vault:
    def __init__(self, key_id: str, city: str, client: Any | None = None) -> None:
        self.key_id, self.city = key_id, city
        self._client = client

    @property
    def kms(self) -> Any:
        if self._client is None:
            import boto3

            self._client = boto3.client("kms")
        return self._client

    def seal(self, request_id: str, contact: dict[str, str]) -> str:
        with store_errors("citizen contact"):
            out = self.kms.encrypt(
                KeyId=self.key_id,
                Plaintext=json.dumps(contact, ensure_ascii=False).encode(),
                EncryptionContext={"city": self.city, "request_id": request_id},
            )
        return base64.b64encode(out["CiphertextBlob"]).decode()

    def open(self, request_id: str, sealed: str) -> dict[str, str]:
        with store_errors("citizen contact"):
            out = self.kms.decrypt(
                CiphertextBlob=base64.b64decode(sealed),
                EncryptionContext={"city": self.city, "request_id": request_id},
            )
        data: dict[str, str] = json.loads(out["Plaintext"])
        return data
