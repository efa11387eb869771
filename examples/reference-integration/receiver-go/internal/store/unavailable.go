package store

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"io"
	"net"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// IsUnavailable is whether err is the store's own trouble (I/O, a full disk, a
// lock not had, a lost connection), which passes, and never something an
// event's content caused: the worker retries after a pause instead of
// recording it as the event's failure.
func IsUnavailable(err error) bool {
	var lite *sqlite.Error
	if errors.As(err, &lite) {
		switch lite.Code() & 0xff {
		case sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_FULL,
			sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_PROTOCOL:
			return true
		}
		return false
	}
	var pg *pgconn.PgError
	if errors.As(err, &pg) {
		// Connection, resources, state, operator intervention, system errors,
		// and a transaction rolled back (serialization failure, deadlock). Not
		// 54 (a program limit, such as an index row too large): an event's
		// content causes it and it never passes, so it is that event's failure.
		switch pg.Code[:2] {
		case "08", "40", "53", "55", "57", "58":
			return true
		}
		return false
	}
	var netErr net.Error
	var connect *pgconn.ConnectError
	return errors.As(err, &netErr) || errors.As(err, &connect) || errors.Is(err, driver.ErrBadConn) ||
		errors.Is(err, sql.ErrConnDone) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF) ||
		errors.Is(err, context.DeadlineExceeded) || pgconn.SafeToRetry(err)
}
