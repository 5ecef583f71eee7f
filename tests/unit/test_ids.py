import uuid

from oms_core.domain.ids import uuid7


def test_uuid7_is_version_7_and_sorts_in_creation_order():
    ids = [uuid7() for _ in range(10_000)]
    assert all(uuid.UUID(i).version == 7 for i in ids[:10])
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)
