package main

import (
	"encoding/json"

	paywit "github.com/paywit/paywit/packages/go"

	"github.com/paywit/paywit/examples/reference-integration/receiver-go/internal/store"
)

// reconcile checks, inside a transaction, a paid payout (as the API lists it)
// against its items and the payments this receiver knows succeeded (paywit's
// ReconcilePayout), and keeps the report; a payout paywit cannot read is a
// malformed event.
func reconcile(tx *store.Tx, payout map[string]any) error {
	id, okID := payout["id"].(string)
	amount, okAmount := decimal(payout["amount"])
	listed, okItems := payout["items"].([]any)
	if _, present := payout["items"]; !present {
		listed, okItems = nil, true
	}
	if !okID || !okAmount || !okItems {
		return malformed
	}
	items := make([]paywit.PayoutItem, 0, len(listed))
	for _, v := range listed {
		fields, _ := v.(map[string]any)
		itemID, okID := fields["id"].(string)
		kind, okKind := fields["kind"].(string)
		itemAmount, okAmount := decimal(fields["amount"])
		item := paywit.PayoutItem{ID: itemID, Amount: itemAmount}
		if !okID || !okKind || !okAmount || item.Kind.UnmarshalText([]byte(kind)) != nil {
			return malformed
		}
		items = append(items, item)
	}
	known := map[string]bool{}
	rows, err := tx.Query("SELECT id FROM objects WHERE kind = 'payment' AND status = 'succeeded'")
	if err != nil {
		return err
	}
	for rows.Next() {
		var paymentID string
		if err := rows.Scan(&paymentID); err != nil {
			rows.Close()
			return err
		}
		known[paymentID] = true
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	expected := []string{}
	for _, item := range items {
		if known[item.ID] {
			expected = append(expected, item.ID)
		}
	}
	report, err := paywit.ReconcilePayout(amount, items, expected)
	if err != nil {
		return malformed
	}
	match, difference := matchCase(report.Result)
	_, err = tx.Exec("INSERT INTO payouts VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO UPDATE SET match = excluded.match, "+
		"difference = excluded.difference, missing = excluded.missing, unexpected = excluded.unexpected",
		id, amount, match, difference, len(report.Missing), len(report.Unexpected))
	return err
}

// decimal is an amount as paywit reads it: a JSON number's text, or a string.
func decimal(v any) (string, bool) {
	switch a := v.(type) {
	case json.Number:
		return a.String(), true
	case string:
		return a, true
	}
	return "", false
}

// matchCase is a payout match's WIT case name and its difference (nil for exact).
func matchCase(m paywit.PayoutMatch) (string, *string) {
	switch r := m.(type) {
	case paywit.PayoutMatchPayoutHigher:
		return "payout-higher", &r.Value
	case paywit.PayoutMatchPayoutLower:
		return "payout-lower", &r.Value
	}
	return "exact", nil
}
