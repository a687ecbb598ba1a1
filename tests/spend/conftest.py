from tests.ai.conftest import provider_app  # noqa: F401  (the provider stand-in apps, emptied after each test)
