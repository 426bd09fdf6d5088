"""The claim's cost on Postgres does not depend on the table's statistics or on how many ids it names."""

from __future__ import annotations

from sqlalchemy import Engine, select, text

from workers.events.claims import _ids_in, begin_writing, inbox

# The claim's candidate query in the shape claims._claimable writes it.
CANDIDATES = (
    "SELECT id, kind, attempts, error FROM inbox WHERE status = 'pending' "
    "AND (claimed_until IS NULL OR claimed_until < now()) ORDER BY id LIMIT 500 FOR UPDATE SKIP LOCKED"
)


def test_a_claim_reads_the_pending_index_in_order_and_sorts_nothing(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        begin_writing(connection, claiming=True)
        plan = "\n".join(connection.exec_driver_sql(f"EXPLAIN {CANDIDATES}").scalars())
        connection.rollback()
    assert "Index Scan using ix_inbox_pending" in plan
    assert "Sort" not in plan


def test_only_a_claim_fixes_its_plan(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        begin_writing(connection)
        assert connection.exec_driver_sql("SHOW enable_sort").scalar() == "on"
        assert connection.exec_driver_sql("SHOW synchronous_commit").scalar() == "off"
        connection.rollback()


def test_the_statement_naming_ids_is_the_same_text_for_any_number_of_them(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        few = str(select(inbox.c.id).where(_ids_in(connection, [1, 2])).compile(connection))
        many = str(select(inbox.c.id).where(_ids_in(connection, list(range(500)))).compile(connection))
        assert few == many
        assert connection.execute(select(inbox.c.id).where(_ids_in(connection, [-1, -2]))).all() == []


def test_inbox_pages_are_left_half_free_for_claims_to_update_in_place(pg_engine: Engine) -> None:
    with pg_engine.connect() as connection:
        options = connection.execute(text("SELECT reloptions FROM pg_class WHERE relname = 'inbox'")).scalar()
    assert "fillfactor=50" in (options or [])
