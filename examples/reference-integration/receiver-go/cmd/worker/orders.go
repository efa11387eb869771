package main

import (
	"bytes"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	paywit "github.com/paywit/paywit/packages/go"

	"github.com/paywit/paywit/examples/reference-integration/receiver-go/internal/store"
)

// orderLeaseSeconds is how long a claimed order is this worker's (longer than a
// call: its timeout is 2 s).
const orderLeaseSeconds = 10

// orderDue is the condition on an order whose charge is due (? is now). A
// 'charging' order whose lease ran out (its worker died mid-call) is due again.
const orderDue = "status IN ('pending', 'retrying', 'charging') AND next_attempt_at <= ?"

// claimed is an order this worker holds the lease on.
type claimed struct {
	id       int64
	key      string
	amount   int64
	card     string
	attempts int64
	lease    float64
}

// chargeOneOrder makes (or retries, with the same key) the charge of the next
// due order; false when none is due (looked for first with a plain read, so an
// idle pass takes no lock). Several workers may run: a worker claims the order
// first (status 'charging', a lease) in one write transaction, so no
// two call at once, and if it dies mid-call another retries after the lease,
// with the same key. The outcome is written only while the lease is still its
// own: a worker whose call outlived its lease (another has taken the order
// since) drops its answer instead of overwriting.
func (w *worker) chargeOneOrder() (bool, error) {
	// A plain read first (a hint, not a claim): with no order due, no write
	// transaction is opened, and so no lock taken.
	if due, err := w.store.Any("SELECT 1 FROM orders WHERE "+orderDue+" LIMIT 1", store.Now()); err != nil || !due {
		return false, err
	}
	var order *claimed
	err := w.store.Transaction(func(tx *store.Tx) error {
		o := &claimed{}
		err := tx.QueryRow("SELECT id, idempotency_key, amount, card, attempts FROM orders WHERE "+orderDue+
			" ORDER BY id LIMIT 1"+w.store.Lock(), store.Now()).
			Scan(&o.id, &o.key, &o.amount, &o.card, &o.attempts)
		if errors.Is(err, sql.ErrNoRows) {
			return nil
		}
		if err != nil {
			return err
		}
		o.lease = store.Now() + orderLeaseSeconds
		if _, err := tx.Exec("UPDATE orders SET status = 'charging', next_attempt_at = ? WHERE id = ?", o.lease, o.id); err != nil {
			return err
		}
		order = o
		return nil
	})
	if err != nil || order == nil {
		return false, err
	}
	attempts := order.attempts + 1
	// settle is `UPDATE orders SET <assignments>` for this order, only while this worker's lease holds.
	settle := func(assignments string, values ...any) error {
		_, err := w.store.Exec("UPDATE orders SET "+assignments+" WHERE id = ? AND status = 'charging' AND next_attempt_at = ?",
			append(values, order.id, order.lease)...)
		return err
	}

	status, answer, failure := w.charge(order)
	if failure == nil {
		intentID, okID := answer["id"].(string)
		intentStatus, okStatus := answer["status"].(string)
		switch {
		case status/100 == 2 && okID && okStatus:
			if intentStatus == "succeeded" {
				intentStatus = "charged"
			}
			return true, settle("status = ?, attempts = ?, payment_intent = ?", intentStatus, attempts, intentID)
		case status == http.StatusPaymentRequired:
			declined, _ := answer["error"].(map[string]any)
			code, _ := declined["code"].(string)
			intent, _ := declined["payment_intent"].(map[string]any)
			var intentID *string
			if id, ok := intent["id"].(string); ok {
				intentID = &id
			}
			return true, settle("status = 'declined', attempts = ?, detail = ?, payment_intent = ?", attempts, nullable(code), intentID)
		case status/100 == 2:
			// A 2xx whose answer is not a payment intent: counted as a failed attempt, retried on
			// the schedule like a server error, so the order never sits in 'charging' forever.
			bad := uint16(http.StatusBadGateway)
			failure = &paywit.Failure{Status: &bad}
		}
	}
	classification, err := paywit.Classify(*failure)
	if err != nil {
		return true, err
	}
	category := classification.Category.String() // kept with the order, for the operator
	step, err := nextStep(attempts, *failure)
	if err != nil {
		return true, err
	}
	switch s := step.(type) {
	case paywit.StepRetryAfterMs:
		return true, settle("status = 'retrying', attempts = ?, next_attempt_at = ?, detail = ?", attempts, w.later(s.Value), category)
	case paywit.StepGiveUp:
		return true, settle("status = 'failed', attempts = ?, detail = ?", attempts, s.Value.CaseName()+": "+category)
	}
	return true, fmt.Errorf("paywit's next step is %T", step)
}

// charge POSTs the order's charge with its idempotency key: the answer's
// status and JSON object (empty when it is none), or the failure when the call
// got no answer or an error status other than 402 (a decline).
func (w *worker) charge(o *claimed) (int, map[string]any, *paywit.Failure) {
	body, _ := json.Marshal(map[string]any{"amount": o.amount, "currency": "usd", "card": o.card})
	request, err := http.NewRequest(http.MethodPost, w.gateway+"/v1/payment_intents", bytes.NewReader(body))
	if err != nil {
		failure := transportFailure(err)
		return 0, nil, &failure
	}
	request.Header.Set("Content-Type", "application/json")
	request.Header.Set("Idempotency-Key", o.key)
	response, err := client.Do(request)
	if err != nil {
		failure := transportFailure(err)
		return 0, nil, &failure
	}
	defer response.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(response.Body, maxAnswerBytes+1))
	if err != nil || len(raw) > maxAnswerBytes {
		failure := transportFailure(err)
		return 0, nil, &failure
	}
	if response.StatusCode/100 != 2 && response.StatusCode != http.StatusPaymentRequired {
		failure := httpFailure(response)
		return response.StatusCode, nil, &failure
	}
	answer, _ := decodeObject(raw)
	return response.StatusCode, answer, nil
}

// nullable is s, or NULL when empty.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}
