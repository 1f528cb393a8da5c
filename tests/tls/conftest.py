from __future__ import annotations

from typing import Any, Callable

import pytest

from tests.helpers.impl import nk
from tests.tls.pki import Pki, make_pki


@pytest.fixture(scope="session")
def pki(tmp_path_factory: pytest.TempPathFactory) -> Pki:
    return make_pki(str(tmp_path_factory.mktemp("pki")))


@pytest.fixture
def server_config(pki: Pki) -> Callable[..., Any]:
    """server_config(**kw) -> a server TLSConfig with the server certificate."""
    def make(**kw: Any) -> Any:
        return nk.TLSConfig(nk.TLSConfig.MODE_SERVER, own_cert_string=pki.cert_pem(pki.server),
                            own_key_string=pki.key_pem(pki.server), **kw)
    return make


@pytest.fixture
def client_config(pki: Pki) -> Callable[..., Any]:
    """client_config(**kw) -> a client TLSConfig trusting the test CA."""
    def make(**kw: Any) -> Any:
        kw.setdefault("ca_string", pki.ca_pem)
        return nk.TLSConfig(nk.TLSConfig.MODE_CLIENT, **kw)
    return make
