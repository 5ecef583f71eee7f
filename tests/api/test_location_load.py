"""How busy each location is, as routing reads it: counted as fulfilments are
given and given back (each process writes its counts every second), the open
ones through their own index; the migration that brought the counts fills
them from the fulfilments the same way."""

from datetime import timedelta

from alembic import command
from sqlalchemy import select, text, update
from sqlalchemy.exc import OperationalError

from oms_core.core import migrate
from oms_core.core.db import session_scope
from oms_core.domain.routing import LocationLoad
from oms_core.models import Fulfilment, LocationDay, utcnow
from oms_core.services import location_load
from oms_core.services.fulfilments import expire_overdue

from .conftest import LYON, PARIS, TEE

PRIOR = location_load.REJECT_RATE_PRIOR


def _load(network) -> dict[str, LocationLoad]:
    """Read again (the database's counts and what this process has not written yet), not the
    kept value that this process edits as it gives fulfilments."""
    location_load.cache.forget()
    with session_scope(network.engine) as session:
        return location_load.cache.get(session)


def _days(network) -> list[tuple]:
    location_load.write_counted(network.engine)
    with session_scope(network.engine) as session:
        return session.execute(select(LocationDay.day, LocationDay.location, LocationDay.given, LocationDay.gave_back)
                               .order_by(LocationDay.day, LocationDay.location)).all()


def _give_and_take_back(network) -> None:
    """LYS-01 rejects one and lets one expire (both go to WH-LYS), PAR-01 is given two and one is cancelled."""
    late = network.place([(TEE, 1)], address=LYON)["fulfilments"][0]["id"]
    # Overdue now (the clock moved on instead would cross midnight late in the UTC day, and the
    # expiry's reassignment would count on another day than its fulfilment).
    with session_scope(network.engine) as session:
        session.execute(update(Fulfilment).where(Fulfilment.id == late)
                        .values(accept_by=utcnow() - timedelta(minutes=1)))
    assert expire_overdue(network.engine, utcnow()) == 1
    rejected = network.place([(TEE, 1)], address=LYON)
    network.act(network.sign_in("LYS-01"), rejected["fulfilments"][0]["id"], "reject", {"reason": "damaged"})
    kept = network.place([(TEE, 1)], address=PARIS)
    cancelled = network.place([(TEE, 1)], address=PARIS)
    assert [f["location"] for f in kept["fulfilments"] + cancelled["fulfilments"]] == ["PAR-01", "PAR-01"]
    assert network.client.post(f"/api/v1/orders/{cancelled['id']}/cancel", json={"reason": "customer_request"},
                               headers=network.channel).status_code == 200


def test_the_load_counts_what_each_location_was_given_gave_back_and_has_open(network):
    _give_and_take_back(network)
    load = _load(network)
    assert load["LYS-01"] == LocationLoad(assigned_today=2, open=0, reject_rate=2 / (2 + PRIOR))
    assert load["WH-LYS"] == LocationLoad(assigned_today=2, open=2, reject_rate=0.0)
    assert load["PAR-01"] == LocationLoad(assigned_today=2, open=1, reject_rate=0.0)
    assert "PAR-02" not in load  # given nothing, nothing open
    today = utcnow().date()
    assert _days(network) == [(today, "LYS-01", 2, 2), (today, "PAR-01", 2, 0), (today, "WH-LYS", 2, 0)]


def test_a_rejection_rate_counts_the_past_week_only(network):
    today = utcnow().date()
    with session_scope(network.engine) as session:
        session.add(LocationDay(day=today - timedelta(days=6), location="LYS-01", given=5, gave_back=5))
        session.add(LocationDay(day=today - timedelta(days=7), location="PAR-01", given=5, gave_back=5))
    load = _load(network)
    assert load["LYS-01"] == LocationLoad(assigned_today=0, open=0, reject_rate=5 / (5 + PRIOR))
    assert "PAR-01" not in load


def test_the_migration_fills_the_week_from_the_fulfilments_as_they_were_counted(network):
    _give_and_take_back(network)
    counted = _days(network)
    config = migrate.alembic_config(network.engine)
    with network.engine.begin() as connection:
        config.attributes["connection"] = connection
        command.downgrade(config, "0013")
    migrate.upgrade(network.engine)
    assert _days(network) == counted


def test_the_open_fulfilments_are_counted_through_their_index(network):
    _give_and_take_back(network)
    with network.engine.connect() as connection:
        query = str(location_load.OPEN_BY_LOCATION.compile(connection))
        if connection.dialect.name == "postgresql":
            connection.execute(text("SET enable_seqscan = off"))  # a tiny table: the planner would rather read it all
            plan = connection.execute(text(f"EXPLAIN {query}")).scalars().all()
        else:
            plan = [row[-1] for row in connection.execute(text(f"EXPLAIN QUERY PLAN {query}"))]
        assert any("ix_fulfilment_open" in line for line in plan), plan
        assert dict(connection.execute(location_load.OPEN_BY_LOCATION).all()) == {"PAR-01": 1, "WH-LYS": 2}


def test_what_a_process_counted_and_has_not_written_yet_is_part_of_what_it_reads(network, monkeypatch):
    monkeypatch.setattr(location_load, "WRITE_EVERY_S", 3600.0)
    network.place([(TEE, 1)], address=PARIS)
    with session_scope(network.engine) as session:
        assert session.execute(select(LocationDay)).all() == []  # not written: no statement of its own per order
    unwritten = _load(network)
    assert unwritten["PAR-01"] == LocationLoad(assigned_today=1, open=1, reject_rate=0.0)
    location_load.write_counted(network.engine)
    assert _days(network) == [(utcnow().date(), "PAR-01", 1, 0)]
    assert _load(network) == unwritten  # counted once, written or not


def test_counts_that_cannot_be_written_are_kept_and_the_order_placed_all_the_same(network, monkeypatch):
    def database_gone(*_args, **_kwargs):
        raise OperationalError("INSERT INTO location_day", {}, Exception("server closed the connection"))

    monkeypatch.setattr(location_load, "WRITE_EVERY_S", 0.0)  # every commit writes
    monkeypatch.setattr(location_load, "add_up", database_gone)
    order = network.place([(TEE, 1)], address=PARIS)  # asserts 201
    assert order["fulfilments"][0]["location"] == "PAR-01"
    monkeypatch.undo()
    assert _load(network)["PAR-01"].assigned_today == 1
    assert _days(network) == [(utcnow().date(), "PAR-01", 1, 0)]
