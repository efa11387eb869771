package main

import (
	"fmt"

	paywit "github.com/paywit/paywit/packages/go"

	"github.com/paywit/paywit/examples/reference-integration/receiver-go/internal/store"
)

// fold applies, inside a transaction, one state to its object; eventID empty
// for a poll (not counted as an event, no alert, no operator queue).
func fold(tx *store.Tx, eventID, objectID string, incoming paywit.State, at int64) error {
	// The row exists (empty kind: no state yet) and is locked before it is read, so
	// folds of one object by concurrent workers take turns instead of overwriting each other.
	if _, err := tx.Exec("INSERT INTO objects (id, kind, status, events_applied, last_event_at) VALUES (?, '', '', 0, 0) "+
		"ON CONFLICT DO NOTHING", objectID); err != nil {
		return err
	}
	kind, status, _, err := tx.ObjectState(objectID)
	if err != nil {
		return err
	}
	var current paywit.State
	if kind != "" {
		if current, err = stateOf(kind, status); err != nil {
			return err
		}
	}
	outcome, err := paywit.Apply(current, incoming)
	if err != nil {
		return err
	}
	state := current
	switch o := outcome.(type) {
	case paywit.OutcomeAdvanced:
		state = o.Value
	case paywit.OutcomeReversed:
		state = o.Value
	}
	newKind, newStatus := "", ""
	if state != nil {
		newKind, newStatus = kindStatus(state)
	}
	counted := 0
	if eventID != "" {
		counted = 1
	}
	if _, err := tx.Exec("UPDATE objects SET kind = ?, status = ?, events_applied = events_applied + ?, "+
		"last_event_at = "+tx.Greatest()+"(last_event_at, ?) WHERE id = ?",
		newKind, newStatus, counted, at, objectID); err != nil {
		return err
	}
	if eventID == "" {
		return nil
	}
	switch o := outcome.(type) {
	case paywit.OutcomeReversed:
		before := "?"
		if current != nil {
			before = status
		}
		_, err = tx.Exec("INSERT INTO alerts VALUES (?, ?, ?) ON CONFLICT DO NOTHING", eventID, objectID, before+" -> "+newStatus)
	case paywit.OutcomeRejected:
		_, err = tx.Exec("INSERT INTO operator_queue VALUES (?, ?, ?) ON CONFLICT DO NOTHING", eventID, objectID, o.Value.CaseName())
	}
	return err
}

// unknownStateError is an object row whose kind and status are no paywit state.
type unknownStateError struct{ kind, status string }

func (e *unknownStateError) Error() string {
	return fmt.Sprintf("no paywit state is kind %q, status %q", e.kind, e.status)
}

// stateOf is paywit's lifecycle state as the store keeps it: kind and status
// strings (the WIT case names).
func stateOf(kind, status string) (paywit.State, error) {
	text := []byte(status)
	var err error
	var state paywit.State
	switch kind {
	case "payment":
		var s paywit.PaymentStatus
		err = s.UnmarshalText(text)
		state = paywit.StatePayment{Value: s}
	case "refund":
		var s paywit.RefundStatus
		err = s.UnmarshalText(text)
		state = paywit.StateRefund{Value: s}
	case "dispute":
		var s paywit.DisputeStatus
		err = s.UnmarshalText(text)
		state = paywit.StateDispute{Value: s}
	case "payout":
		var s paywit.PayoutStatus
		err = s.UnmarshalText(text)
		state = paywit.StatePayout{Value: s}
	case "invoice":
		var s paywit.InvoiceStatus
		err = s.UnmarshalText(text)
		state = paywit.StateInvoice{Value: s}
	default:
		err = fmt.Errorf("unknown kind")
	}
	if err != nil {
		return nil, &unknownStateError{kind, status}
	}
	return state, nil
}

// kindStatus is a state as the store keeps it: its kind and status.
func kindStatus(state paywit.State) (string, string) {
	switch s := state.(type) {
	case paywit.StatePayment:
		return "payment", s.Value.String()
	case paywit.StateRefund:
		return "refund", s.Value.String()
	case paywit.StateDispute:
		return "dispute", s.Value.String()
	case paywit.StatePayout:
		return "payout", s.Value.String()
	case paywit.StateInvoice:
		return "invoice", s.Value.String()
	}
	return "", ""
}
