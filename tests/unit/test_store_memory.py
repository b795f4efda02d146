"""The in-process store (tests and the unsaved fallback) meets the store contract."""

import pytest
from support.store_contract import StoreContract

from triage.store import ClassStore
from triage.store.memory import MemoryStore


class TestMemoryStore(StoreContract):
    @pytest.fixture
    def store(self):
        return MemoryStore()


def test_memory_store_implements_the_protocol():
    assert isinstance(MemoryStore(), ClassStore)
