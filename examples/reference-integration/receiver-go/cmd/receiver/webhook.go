package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
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
		refusal := &delivery{code: code}
		if err := rc.recorder.record(refusal); err != nil {
			return err
		}
		answer(w, http.StatusUnauthorized, map[string]string{"error": "unauthorized"}, false)
		rc.timeTaken(refusal.logged, started)
		return nil
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
	// Committed before the answer (with the deliveries of the requests alongside: the recorder).
	d := &delivery{eventID: eventID, body: string(raw)}
	if err := rc.recorder.record(d); err != nil {
		return err
	}
	isNew := d.isNew
	if rc.pauseBeforeAnswer > 0 && isNew {
		// The chaos test's hook: recorded, 200 not sent yet (it kills the receiver here).
		fmt.Printf("receiver: recorded %s, pausing before the answer\n", eventID)
		time.Sleep(rc.pauseBeforeAnswer)
	}
	answer(w, http.StatusOK, struct {
		Received  string `json:"received"`
		Duplicate bool   `json:"duplicate"`
	}{eventID, !isNew}, false)
	rc.timeTaken(d.logged, started)
	return nil
}

// timeTaken adds to a delivery's log row how long the gateway waited for its
// answer (written with the recorder's next batch, after the answer).
func (rc *receiver) timeTaken(logged int64, started time.Time) {
	rc.recorder.took(logged, float64(time.Since(started).Microseconds())/1000)
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
