from tests.client.conftest import backend, identity, variant  # noqa: F401 - the same servers as the client tests
