package main

import (
	"errors"
	"math"
	"time"

	paywit "github.com/paywit/paywit/packages/go"

	"github.com/paywit/paywit/examples/reference-integration/receiver-go/internal/store"
)

// apiPaths is where the gateway's API lists each kind of in-flight object.
var apiPaths = map[string]string{"payment": "payment_intents", "refund": "refunds", "payout": "payouts"}

// pollOneObject is the polling backstop: it fetches one in-flight object whose
// events are overdue (paywit's PollBackstop, its quiet periods run timeScale
// times faster) and folds its state; false when none was.
func (w *worker) pollOneObject() (bool, error) {
	type inFlight struct {
		id, kind, status string
		lastEventAt      int64
	}
	var objects []inFlight
	rows, err := w.store.Query("SELECT id, kind, status, last_event_at FROM objects WHERE kind IN ('payment', 'refund', 'payout')")
	if err != nil {
		return false, err
	}
	for rows.Next() {
		var o inFlight
		if err := rows.Scan(&o.id, &o.kind, &o.status, &o.lastEventAt); err != nil {
			rows.Close()
			return false, err
		}
		objects = append(objects, o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return false, err
	}
	for _, o := range objects {
		state, err := stateOf(o.kind, o.status)
		if err != nil {
			continue // a row in no known state: nothing to poll for
		}
		elapsed := (store.Now() - float64(o.lastEventAt)) * w.timeScale
		decision, err := paywit.PollBackstop(state, 0, time.Unix(int64(math.Max(elapsed, 0)), 0))
		if err != nil {
			return false, err
		}
		if _, now := decision.(paywit.PollDecisionPollNow); !now {
			continue
		}
		object, err := w.fetch("/v1/" + apiPaths[o.kind] + "/" + o.id)
		var failed *processingFailed
		if errors.As(err, &failed) {
			return false, nil // retried on the next pass
		}
		if err != nil {
			return false, err
		}
		kind, _ := object["object"].(string)
		status, _ := optionalString(object, "status")
		gateway := paywit.GatewayStripe
		if kind == "invoice" {
			gateway = paywit.GatewayBtcpay
		}
		incoming, err := paywit.MapEvent(gateway, kind+".updated", status)
		if err != nil {
			return false, err
		}
		now := int64(store.Now())
		return true, w.store.Transaction(func(tx *store.Tx) error {
			if incoming != nil {
				if err := fold(tx, "", o.id, incoming, now); err != nil {
					return err
				}
			}
			_, err := tx.Exec("UPDATE objects SET last_event_at = ? WHERE id = ?", now, o.id)
			return err
		})
	}
	return false, nil
}
