// Command worker is the receiver's worker, a separate process: it folds
// recorded events into their objects with paywit's lifecycle (alerts on
// reversed, the operator queue on rejected), makes the orders' charges with
// their persisted idempotency keys (failures classified and retried with
// paywit, never in a request handler), polls the gateway for objects whose
// webhooks may be lost (paywit's polling backstop) and reconciles paid payouts.
//
//	worker --db receiver.sqlite --gateway http://127.0.0.1:8787
package main

import (
	"flag"
	"fmt"
	"log"
	"time"

	"github.com/paywit/paywit/examples/reference-integration/receiver-go/internal/store"
)

func main() {
	log.SetFlags(0)
	db := flag.String("db", "receiver.sqlite", "a SQLite file, or a postgresql:// URL")
	gateway := flag.String("gateway", "http://127.0.0.1:8787", "the gateway's API")
	timeScale := flag.Float64("time-scale", 100, "how much faster retries and polls run")
	pauseAfterApply := flag.Float64("pause-after-apply", 0, "chaos test hook: seconds to sleep inside the first event's transaction")
	pauseBeforeFailure := flag.Float64("pause-before-recording-failure", 0,
		"chaos test hook: seconds to sleep after a failed attempt, before recording it")
	flag.Parse()

	st, err := store.Open(*db)
	for err != nil {
		log.Printf("worker: the store cannot be opened: %v", err)
		time.Sleep(time.Second)
		st, err = store.Open(*db)
	}
	w := &worker{
		store: st, gateway: *gateway, timeScale: *timeScale,
		pauseAfterApply: seconds(*pauseAfterApply), pauseBeforeFailure: seconds(*pauseBeforeFailure),
	}
	fmt.Println("worker: started")
	for {
		if err := w.pass(); err != nil {
			// The store failed (an event's own failures are recorded on it):
			// logged, and the worker goes on after a pause (database/sql
			// replaces a broken connection).
			log.Printf("worker: a pass failed: %v", err)
			time.Sleep(time.Second)
		}
	}
}

// worker is one worker process's state.
type worker struct {
	store              *store.Store
	gateway            string
	timeScale          float64
	pauseAfterApply    time.Duration // the first processed event's only
	pauseBeforeFailure time.Duration
}

// pass processes the next due event and charges the next due order; with
// neither to do, it polls one overdue object, or sleeps a little.
func (w *worker) pass() error {
	did, err := w.processOneEvent()
	if err != nil {
		return err
	}
	if did {
		w.pauseAfterApply = 0
	}
	charged, err := w.chargeOneOrder()
	if err != nil {
		return err
	}
	if !did && !charged {
		if _, err := w.pollOneObject(); err != nil {
			return err
		}
		time.Sleep(20 * time.Millisecond)
	}
	return nil
}

// seconds is a flag's seconds as a duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// later is the store's time of a retry that paywit schedules ms from now, run
// timeScale times faster.
func (w *worker) later(ms uint64) float64 { return store.Now() + float64(ms)/1000/w.timeScale }
