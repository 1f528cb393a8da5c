"""Certificates made for each test run (trustme): a CA, a server certificate
for localhost and 127.0.0.1, a client certificate, and a second, untrusted
CA.  Nothing here is checked in."""
from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any


import trustme  # a test dependency: missing, it fails the run


@dataclass
class Pki:
    ca: Any
    other_ca: Any
    server: Any
    client: Any
    dir: str

    @property
    def ca_pem(self) -> str:
        return self.ca.cert_pem.bytes().decode()

    @property
    def other_ca_pem(self) -> str:
        return self.other_ca.cert_pem.bytes().decode()

    @staticmethod
    def cert_pem(leaf: Any) -> str:
        return "".join(blob.bytes().decode() for blob in leaf.cert_chain_pems)

    @staticmethod
    def key_pem(leaf: Any) -> str:
        return leaf.private_key_pem.bytes().decode()

    def file(self, name: str, text: str) -> str:
        path = os.path.join(self.dir, name)
        with open(path, "w", encoding="ascii") as f:
            f.write(text)
        return path


def make_pki(directory: str) -> Pki:
    ca = trustme.CA()
    return Pki(ca=ca, other_ca=trustme.CA(),
               server=ca.issue_cert("localhost", "127.0.0.1", "::1", common_name="nngkit test server"),
               client=ca.issue_cert("client.example", common_name="nngkit test client"),
               dir=directory)
