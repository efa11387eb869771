package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	paywit "github.com/paywit/paywit/packages/go"

	"github.com/paywit/paywit/examples/receiver-go/internal/store"
)

// webhook answers one delivery: 401 unless it verifies; else the event is
// recorded under its id (a duplicate is counted, not processed again) and 200
// answered. Its log row (outcome, paywit's error code for a refusal) is
// committed with the event, before the answer; the time taken is added after it.
func (rc *receiver) webhook(w http.ResponseWriter, r *http.Request, raw []byte, started time.Time) error {
	verified, err := rc.verifier.Verify(r.Header, raw, nil)
	if err != nil {
		code, ok := refusalCode(err)
		if !ok {
			return err
		}
		var logged int64
		if err := rc.store.QueryRow("INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, ?) RETURNING id",
			store.Now(), scheme, "refused", code).Scan(&logged); err != nil {
			return err
		}
		answer(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"}, false)
		return rc.timeTaken(logged, started)
	}
	eventID := ""
	if verified.MessageID != nil {
		eventID = *verified.MessageID
	}
	if eventID == "" {
		if eventID, err = eventIDOf(raw); err != nil {
			return err
		}
	}
	var isNew bool
	var logged int64
	err = rc.store.Transaction(func(tx *store.Tx) error { // committed before the answer
		// Kept as text; a verified body that is not UTF-8 is kept as the other
		// receivers keep it (replacement characters): recorded, then marked failed by the worker.
		var err error
		if isNew, err = tx.RecordEvent(eventID, strings.ToValidUTF8(string(raw), "\uFFFD")); err != nil {
			return err
		}
		outcome := "duplicate"
		if isNew {
			outcome = "recorded"
		}
		return tx.QueryRow("INSERT INTO deliveries (at, scheme, outcome, code) VALUES (?, ?, ?, NULL) RETURNING id",
			store.Now(), scheme, outcome).Scan(&logged)
	})
	if err != nil {
		return err
	}
	if rc.pauseBeforeAnswer > 0 && isNew {
		// The chaos test's hook: recorded, 200 not sent yet (it kills the receiver here).
		fmt.Printf("receiver: recorded %s, pausing before the answer\n", eventID)
		time.Sleep(rc.pauseBeforeAnswer)
	}
	answer(w, http.StatusOK, struct {
		Received  string `json:"received"`
		Duplicate bool   `json:"duplicate"`
	}{eventID, !isNew}, false)
	return rc.timeTaken(logged, started)
}

// timeTaken adds to a delivery's log row how long the gateway waited for its answer.
func (rc *receiver) timeTaken(logged int64, started time.Time) error {
	_, err := rc.store.Exec("UPDATE deliveries SET ms = ? WHERE id = ?", float64(time.Since(started).Microseconds())/1000, logged)
	return err
}

// refusalCode is paywit's error code for a delivery that did not verify (any
// refusal, an argument paywit refuses such as a header that is not UTF-8
// included); ok false for anything else (the component's own fault: a 500).
func refusalCode(err error) (code string, ok bool) {
	var refusal paywit.VerifyError
	if errors.As(err, &refusal) {
		return refusal.Code(), true
	}
	var invalid *paywit.InvalidArgumentError
	if errors.As(err, &invalid) {
		return invalid.Code(), true
	}
	return "", false
}

// eventIDOf is a verified event's id from its body (schemes whose headers carry
// none); a refusal (400) if it has none.
func eventIDOf(raw []byte) (string, error) {
	var event struct {
		ID any `json:"id"`
	}
	if err := json.Unmarshal(raw, &event); err == nil {
		if id, ok := event.ID.(string); ok && id != "" {
			return id, nil
		}
	}
	return "", &refused{http.StatusBadRequest, "the event has no id"}
}
