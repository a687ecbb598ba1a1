"""SQLite for several writers: WAL, a busy timeout, and write locks taken up front."""

from sqlalchemy import event


def tune_sqlite(engine):
    """Make concurrent threads and processes wait for the lock instead of failing."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):
        # Let SQLAlchemy, not pysqlite, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection):
        # BEGIN IMMEDIATE takes the write lock at the start, so two writers
        # never both read and then fail upgrading to a write ("database is locked").
        connection.exec_driver_sql("BEGIN IMMEDIATE")
