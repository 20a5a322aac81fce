package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// sqlitePool is the connection pool GORM uses on SQLite: reads go to a few connections, and
// every transaction and every other statement to one writer connection.
//
// SQLite has a single write lock. Writers that race for it inside SQLite wait in its busy
// handler, which sleeps 1, 2, 5, 10 … 100 ms between tries: under 64 concurrent quiz
// submissions that cut throughput to a few hundred a second with a p99 of seconds. Writers
// that queue for the one writer connection in Go are handed it in turn the moment it is free.
// WAL mode lets the reader connections run beside the writer.
//
// Reads run as statements prepared once on the reader pool (preparing costs as much as running
// a small query). Statements inside transactions are prepared by database/sql on the writer.
type sqlitePool struct {
	read, write *sql.DB

	mu    sync.RWMutex
	stmts map[string]*sql.Stmt // read statements by SQL text
}

// maxReadStmts bounds the prepared statements kept; past it, reads are prepared each time.
const maxReadStmts = 500

// writerWait bounds the wait for the writer connection, like the busy timeout did: a write
// issued outside its transaction while that transaction holds the writer fails after it
// instead of waiting for ever.
const writerWait = 10 * time.Second

var errWriterBusy = errors.New("store: the database writer stayed busy for 10s")

func openSQLitePool(dsn string) (*sqlitePool, error) {
	read, err := sql.Open("sqlite3", dsn)
	if err != nil {
		return nil, err
	}
	write, err := sql.Open("sqlite3", dsn)
	if err != nil {
		read.Close()
		return nil, err
	}
	// Reads are CPU work in this process: a couple of connections per core keep the cores
	// busy, and each connection holds its own page cache, so more only costs memory.
	n := max(4, 2*runtime.GOMAXPROCS(0))
	read.SetMaxOpenConns(n)
	read.SetMaxIdleConns(n)
	write.SetMaxOpenConns(1)
	write.SetMaxIdleConns(1)
	return &sqlitePool{read: read, write: write, stmts: map[string]*sql.Stmt{}}, nil
}

// readStmt returns the statement for a read, preparing it on first use.
func (p *sqlitePool) readStmt(ctx context.Context, query string) (*sql.Stmt, error) {
	p.mu.RLock()
	st, ok := p.stmts[query]
	p.mu.RUnlock()
	if ok {
		return st, nil
	}
	st, err := p.read.PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if prev, ok := p.stmts[query]; ok {
		st.Close()
		return prev, nil
	}
	if len(p.stmts) >= maxReadStmts {
		return nil, nil // the caller runs the query unprepared
	}
	p.stmts[query] = st
	return st, nil
}

// isRead reports whether a statement only reads; anything else goes to the writer.
func isRead(query string) bool {
	q := strings.TrimLeft(query, " \t\r\n(")
	return len(q) >= 6 && strings.EqualFold(q[:6], "select")
}

func (p *sqlitePool) pick(query string) *sql.DB {
	if isRead(query) {
		return p.read
	}
	return p.write
}

func (p *sqlitePool) PrepareContext(ctx context.Context, query string) (*sql.Stmt, error) {
	return p.pick(query).PrepareContext(ctx, query)
}

func (p *sqlitePool) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if isRead(query) {
		return p.read.ExecContext(ctx, query, args...)
	}
	conn, err := p.writer(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	return conn.ExecContext(ctx, query, args...)
}

func (p *sqlitePool) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if !isRead(query) {
		return p.write.QueryContext(ctx, query, args...)
	}
	st, err := p.readStmt(ctx, query)
	if err != nil {
		return nil, err
	}
	if st == nil {
		return p.read.QueryContext(ctx, query, args...)
	}
	return st.QueryContext(ctx, args...)
}

func (p *sqlitePool) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if !isRead(query) {
		return p.write.QueryRowContext(ctx, query, args...)
	}
	if st, err := p.readStmt(ctx, query); err == nil && st != nil {
		return st.QueryRowContext(ctx, args...)
	}
	return p.read.QueryRowContext(ctx, query, args...)
}

// BeginTx starts a transaction on the writer connection, held until Commit or Rollback.
func (p *sqlitePool) BeginTx(ctx context.Context, opts *sql.TxOptions) (gorm.ConnPool, error) {
	conn, err := p.writer(ctx)
	if err != nil {
		return nil, err
	}
	tx, err := conn.BeginTx(ctx, opts)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return &writerTx{Tx: tx, conn: conn}, nil
}

// writer waits, at most writerWait, for the writer connection.
func (p *sqlitePool) writer(ctx context.Context) (*sql.Conn, error) {
	wctx, cancel := context.WithTimeout(ctx, writerWait)
	defer cancel()
	conn, err := p.write.Conn(wctx)
	if err != nil {
		if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
			return nil, errWriterBusy
		}
		return nil, fmt.Errorf("store: writer connection: %w", err)
	}
	return conn, nil
}

// GetDBConn lets gorm.DB.DB() answer with the reader pool (Ping, stats).
func (p *sqlitePool) GetDBConn() (*sql.DB, error) { return p.read, nil }

func (p *sqlitePool) Close() error {
	p.mu.Lock()
	for _, st := range p.stmts {
		st.Close()
	}
	p.stmts = map[string]*sql.Stmt{}
	p.mu.Unlock()
	return errors.Join(p.read.Close(), p.write.Close())
}

// writerTx is a transaction that hands the writer connection back when it ends.
type writerTx struct {
	*sql.Tx
	conn *sql.Conn
}

func (t *writerTx) Commit() error {
	err := t.Tx.Commit()
	t.conn.Close()
	return err
}

func (t *writerTx) Rollback() error {
	err := t.Tx.Rollback()
	t.conn.Close()
	return err
}
