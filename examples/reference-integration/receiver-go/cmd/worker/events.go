package main

import (
	"errors"
	"fmt"
	"log"
	"runtime/debug"
	"strings"
	"time"

	paywit "github.com/paywit/paywit/packages/go"

	"github.com/paywit/paywit/examples/reference-integration/receiver-go/internal/store"
)

// fetchLeaseSeconds is how long an event is left alone while the API is called
// for it (longer than a call: its timeout is 2 s).
const fetchLeaseSeconds = 10

// processingFailed is an event that could not be processed now: category says
// why (paywit's retry category of a failed API call, with the failure to
// schedule its retry; or malformed-event for an event that can never be).
type processingFailed struct {
	category string
	failure  *paywit.Failure
}

func (e *processingFailed) Error() string { return e.category }

// malformed is the failure of an event that can never be processed.
var malformed = &processingFailed{category: "malformed-event"}

// processOneEvent folds the oldest due event into its object, in one
// transaction with its processed mark; false when no event is due (looked for
// first with a plain read, so an idle pass takes no lock).
//
// No call to the gateway is made inside a transaction (on SQLite it would hold
// the write lock, and so the receiver's inserts, for a network call): an event
// that needs the API (a paid payout's items) is read and leased, the call made
// with no transaction open, and the event is then folded in a transaction that
// takes it again only if it is still due.
//
// Whatever processing fails with is recorded on the event, and the worker goes
// on with the next one (a poison event must not stop the events behind it): a
// failed API call is retried on paywit's API schedule and, after the last
// attempt, marked failed; a malformed event, or any other error or panic
// (logged; "processing-error (<type>)"), is marked failed at once. The
// dashboard's replay, or a redelivery, requeues a failed event. The store's own
// trouble is returned: not the event's fault.
func (w *worker) processOneEvent() (did bool, err error) {
	// A plain read first: with nothing due (most passes), no write transaction is
	// opened (on SQLite, BEGIN IMMEDIATE would take the write lock that the
	// receivers' inserts wait for).
	if due, err := w.store.EventDue(); err != nil || !due {
		return false, err
	}
	var row *store.Event
	err = guarded(func() error {
		var event *event
		var payout map[string]any
		leased := false
		err := w.store.Transaction(func(tx *store.Tx) error {
			var err error
			if row, err = tx.NextEvent(); err != nil || row == nil {
				return err
			}
			if event, err = parseEvent(row.Body); err != nil {
				return err
			}
			if !event.paidPayout() {
				return w.applyAndFinish(tx, row.ID, event, nil)
			}
			// A lease while the API is called: other workers leave the event alone
			// meanwhile (and take it after the lease if this one dies).
			leased = true
			_, err = tx.Exec("UPDATE inbox SET next_attempt_at = ? WHERE event_id = ?", store.Now()+fetchLeaseSeconds, row.ID)
			return err
		})
		if err != nil || !leased {
			return err
		}
		// The event is thin, as Stripe's: the payout's items are listed from the API, outside any transaction.
		if payout, err = w.fetch("/v1/payouts/" + event.objectID); err != nil {
			return err
		}
		return w.store.Transaction(func(tx *store.Tx) error {
			if _, ok, err := tx.TakeEvent(row.ID); err != nil || !ok {
				return err // processed, given up or being processed by another worker meanwhile
			}
			return w.applyAndFinish(tx, row.ID, event, payout)
		})
	})
	if row == nil {
		return false, err
	}
	if err == nil {
		return true, nil
	}
	if store.IsUnavailable(err) {
		// The store itself failed (disk, lock or connection trouble): not the
		// event's fault, so not a failure of it. The main loop logs it, pauses,
		// and goes on.
		return true, err
	}
	failed := &processingFailed{}
	if !errors.As(err, &failed) {
		log.Printf("worker: processing %s failed: %v", row.ID, err)
		failed = &processingFailed{category: fmt.Sprintf("processing-error (%s)", typeName(err))}
	}
	if w.pauseBeforeFailure > 0 {
		fmt.Printf("worker: paused before recording the failure of %s\n", row.ID)
		time.Sleep(w.pauseBeforeFailure)
	}
	return true, w.recordFailure(row.ID, failed)
}

// applyAndFinish is, inside the event's transaction, what the event does to the
// store, then its processed mark (and the attempt logged).
func (w *worker) applyAndFinish(tx *store.Tx, eventID string, e *event, payout map[string]any) error {
	if err := applyEvent(tx, eventID, e, payout); err != nil {
		return err
	}
	if w.pauseAfterApply > 0 {
		fmt.Printf("worker: paused inside the transaction of %s\n", eventID)
		time.Sleep(w.pauseAfterApply)
	}
	now := store.Now()
	if _, err := tx.Exec("UPDATE inbox SET processed_at = ?, error = NULL WHERE event_id = ?", now, eventID); err != nil {
		return err
	}
	_, err := tx.Exec("INSERT INTO attempts VALUES (?, ?, 'processed', NULL)", now, eventID)
	return err
}

// applyEvent is, inside a transaction, what one (parsed) event does to the
// store, payout its paid payout as the API lists it.
func applyEvent(tx *store.Tx, eventID string, e *event, payout map[string]any) error {
	incoming, err := paywit.MapEvent(e.source, e.eventType, e.status)
	if err != nil {
		return malformed // paywit refuses it (a name that is not UTF-8, ...)
	}
	if incoming != nil {
		if err := fold(tx, eventID, e.objectID, incoming, e.created); err != nil {
			return err
		}
	}
	if payout != nil {
		return reconcile(tx, payout)
	}
	return nil
}

// recordFailure records a failed attempt on the event (in its own transaction:
// the attempt's was rolled back), only if the event is still due: another
// worker may have processed it, or given it up, since (a failure is never
// written over a success). A failure without an API failure is not retried: the
// event is marked failed.
func (w *worker) recordFailure(eventID string, failed *processingFailed) error {
	return w.store.Transaction(func(tx *store.Tx) error {
		attempts, ok, err := tx.TakeEvent(eventID)
		if err != nil || !ok {
			return err
		}
		attempts++
		var retry *uint64
		if failed.failure != nil {
			step, err := nextStep(attempts, *failed.failure)
			if err != nil {
				return err
			}
			if r, ok := step.(paywit.StepRetryAfterMs); ok {
				retry = &r.Value
			}
		}
		outcome := "failed"
		if retry == nil {
			_, err = tx.Exec("UPDATE inbox SET attempts = ?, failed_at = ?, error = ? WHERE event_id = ?",
				attempts, store.Now(), failed.category, eventID)
		} else {
			outcome = "retrying"
			_, err = tx.Exec("UPDATE inbox SET attempts = ?, next_attempt_at = ?, error = ? WHERE event_id = ?",
				attempts, w.later(*retry), failed.category, eventID)
		}
		if err != nil {
			return err
		}
		_, err = tx.Exec("INSERT INTO attempts VALUES (?, ?, ?, ?)", store.Now(), eventID, outcome, failed.category)
		return err
	})
}

// guarded runs fn, a panic in it an error (its stack logged).
func guarded(fn func() error) (err error) {
	defer func() {
		if p := recover(); p != nil {
			log.Printf("worker: panic: %v\n%s", p, debug.Stack())
			err = &panicked{p}
		}
	}()
	return fn()
}

// panicked is a panic recovered while processing an event.
type panicked struct{ value any }

func (p *panicked) Error() string { return fmt.Sprint("panic: ", p.value) }

// typeName is the type of an error's innermost cause, without its package or
// pointer (*sqlite.Error: "Error").
func typeName(err error) string {
	for errors.Unwrap(err) != nil {
		err = errors.Unwrap(err)
	}
	name := fmt.Sprintf("%T", err)
	return name[strings.LastIndexAny(name, ".*")+1:]
}
