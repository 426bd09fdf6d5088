"""A unit of work runs its after-commit effects only once its transaction has committed. Real SQLite."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from app.core.unit_of_work import unit_of_work


@pytest.fixture
def engine(tmp_path: Path) -> Engine:
    engine = create_engine(f"sqlite:///{tmp_path / 'work.sqlite3'}")
    with engine.begin() as connection:
        connection.execute(text("CREATE TABLE notes (n INTEGER)"))
    return engine


def count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.scalar(text("SELECT count(*) FROM notes")) or 0)


def test_effects_run_after_the_commit_in_the_order_registered(engine: Engine) -> None:
    seen: list[tuple[str, int]] = []
    with unit_of_work(engine) as work:
        work.connection.execute(text("INSERT INTO notes VALUES (1)"))
        work.after_commit(lambda: seen.append(("first", count(engine))))
        work.after_commit(lambda: seen.append(("second", count(engine))))
        assert seen == []  # nothing runs inside the transaction
    assert seen == [("first", 1), ("second", 1)]  # each sees the committed row


def test_a_rolled_back_unit_runs_no_effect(engine: Engine) -> None:
    seen: list[int] = []
    with pytest.raises(RuntimeError), unit_of_work(engine) as work:
        work.connection.execute(text("INSERT INTO notes VALUES (1)"))
        work.after_commit(lambda: seen.append(1))
        raise RuntimeError("the batch failed")
    assert (seen, count(engine)) == ([], 0)


def test_a_failing_effect_is_logged_and_the_next_still_runs(
    engine: Engine, caplog: pytest.LogCaptureFixture
) -> None:
    seen: list[int] = []

    def broken() -> None:
        raise ConnectionError("broker down")

    with unit_of_work(engine) as work:
        work.connection.execute(text("INSERT INTO notes VALUES (1)"))
        work.after_commit(broken)
        work.after_commit(lambda: seen.append(1))
    assert seen == [1] and count(engine) == 1
    assert "after-commit effect failed" in caplog.text


def test_a_write_through_the_driver_alone_is_committed(engine: Engine) -> None:
    """The transaction is begun up front: a unit whose only write bypasses SQLAlchemy still commits it."""
    with unit_of_work(engine) as work:
        raw = work.connection.connection.driver_connection
        assert raw is not None
        raw.execute("INSERT INTO notes VALUES (1)")
    assert count(engine) == 1
