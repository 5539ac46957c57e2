"""The digests every chunked rerun of the plain chunky program must give (one whole run in one
container, made once for the session)."""

from __future__ import annotations

import pytest
from support.chunky import program
from support.scaled import whole_digests


@pytest.fixture(scope="session")
def expected(sandbox_image, tmp_path_factory) -> dict[str, str]:
    return whole_digests(program(), tmp_path_factory.mktemp("whole"))
