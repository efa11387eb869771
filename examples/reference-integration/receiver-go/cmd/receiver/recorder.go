package main

import (
	"fmt"
	"log"
	"runtime/debug"
	"sort"
	"strings"

	"github.com/paywit/paywit/examples/reference-integration/receiver-go/internal/store"
)

// maxBatch is the most deliveries committed in one transaction.
const maxBatch = 128

// The recorder commits the deliveries of concurrent requests together (group
// commit): the requests waiting while one transaction runs go into the next,
// one BEGIN IMMEDIATE and one WAL sync for all of them. With one connection per
// process, the requests of a burst otherwise queue for it one transaction at
// a time, each with its own sync and, while the worker writes, its own wait in
// SQLite's busy handler: that queue was most of the ack latency.
//
// Nothing of the exactly-once argument changes: each delivery is answered only
// after the commit that holds its event (and its log row) has returned. A
// batch whose transaction fails is rolled back whole and its deliveries are
// committed again one transaction each, so a failure is only its own
// delivery's (its request is answered 500, the gateway redelivers).
type recorder struct {
	store *store.Store
	queue chan *delivery
	timed chan timing // how long the gateway waited: written with the next batch
}

// delivery is one answered delivery to commit: a verified event, or a refusal
// (code: paywit's error code).
type delivery struct {
	eventID, body string
	code          string // a refusal's; "" for a verified event
	isNew         bool   // the event was not there before
	logged        int64  // its row in deliveries
	err           error
	done          chan struct{}
}

// timing is a delivery's time taken, added to its log row after the answer.
type timing struct {
	logged int64
	ms     float64
}

func newRecorder(st *store.Store) *recorder {
	r := &recorder{store: st, queue: make(chan *delivery, 4*maxBatch), timed: make(chan timing, 4*maxBatch)}
	go r.run()
	return r
}

// record commits d (with whatever else is waiting) and returns once it is
// committed, or has failed.
func (r *recorder) record(d *delivery) error {
	d.done = make(chan struct{})
	r.queue <- d
	<-d.done
	return d.err
}

// took adds a delivery's time taken to its log row, with the next batch (not
// waited for: the answer is sent already).
func (r *recorder) took(logged int64, ms float64) {
	select {
	case r.timed <- timing{logged, ms}:
	default: // a backlog of timings: this one is written now, on its own
		if _, err := r.store.Exec("UPDATE deliveries SET ms = ? WHERE id = ?", ms, logged); err != nil {
			log.Printf("receiver: logging the time taken failed: %v", err)
		}
	}
}

// run commits the deliveries that wait, in batches, for ever.
func (r *recorder) run() {
	for {
		var batch []*delivery
		var timings []timing
		select {
		case d := <-r.queue:
			batch = append(batch, d)
		case t := <-r.timed:
			timings = append(timings, t)
		}
	more:
		for len(batch) < maxBatch {
			select {
			case d := <-r.queue:
				batch = append(batch, d)
			case t := <-r.timed:
				timings = append(timings, t)
			default:
				break more
			}
		}
		r.commit(batch, timings)
	}
}

// commit writes a batch in one transaction or, when that fails, each delivery
// in its own; then wakes their requests.
func (r *recorder) commit(batch []*delivery, timings []timing) {
	// One order for every batch (the event ids'): two receivers' batches on
	// PostgreSQL take their rows' locks in the same order, never each other's.
	sort.SliceStable(batch, func(i, j int) bool { return batch[i].eventID < batch[j].eventID })
	err := r.transaction(batch, timings)
	if err != nil && (len(batch) > 1 || len(timings) > 0) {
		err = nil
		for _, d := range batch {
			d.err = r.transaction([]*delivery{d}, nil)
		}
		if timingErr := r.transaction(nil, timings); timingErr != nil {
			log.Printf("receiver: logging the time taken failed: %v", timingErr)
		}
	}
	for _, d := range batch {
		if err != nil {
			d.err = err
		}
		close(d.done)
	}
}

// transaction writes deliveries and timings in one transaction; a panic in it
// is its error (logged with its stack), and the recorder goes on.
func (r *recorder) transaction(batch []*delivery, timings []timing) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Printf("receiver: panic while recording: %v\n%s", p, debug.Stack())
			err = fmt.Errorf("panic: %v", p)
		}
	}()
	return r.store.Transaction(func(tx *store.Tx) error {
		for _, d := range batch {
			if err := d.write(tx); err != nil {
				return err
			}
		}
		for _, t := range timings {
			if _, err := tx.Exec("UPDATE deliveries SET ms = ? WHERE id = ?", t.ms, t.logged); err != nil {
				return err
			}
		}
		return nil
	})
}

// write is, inside a transaction, the delivery's event (unless it is a
// refusal) and its log row.
func (d *delivery) write(tx *store.Tx) error {
	if d.code != "" {
		return tx.QueryRow("INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, ?) RETURNING id",
			store.Now(), scheme, "refused", d.code).Scan(&d.logged)
	}
	// Kept as text; a verified body that is not UTF-8 is kept as the other
	// receivers keep it (replacement characters): recorded, then marked failed by the worker.
	var err error
	if d.isNew, err = tx.RecordEvent(d.eventID, strings.ToValidUTF8(d.body, "\uFFFD")); err != nil {
		return err
	}
	outcome := "duplicate"
	if d.isNew {
		outcome = "recorded"
	}
	return tx.QueryRow("INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, NULL) RETURNING id",
		store.Now(), scheme, outcome).Scan(&d.logged)
}
