package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"unicode/utf8"

	paywit "github.com/paywit/paywit/packages/go"
)

// maxAmount is the largest amount an order may have: 2^53 - 1, the integers
// JSON numbers hold exactly everywhere.
const maxAmount = 1<<53 - 1

// order stores an order with its idempotency key (paywit.NewKey), persisted
// before any call to the gateway (the worker makes it), and answers 202.
func (rc *receiver) order(w http.ResponseWriter, raw []byte) error {
	amount, card, err := parseOrder(raw)
	if err != nil {
		return err
	}
	key, err := paywit.NewKey()
	if err != nil {
		return err
	}
	var id int64
	if err := rc.store.QueryRow("INSERT INTO orders (idempotency_key, amount, card) VALUES (?, ?, ?) RETURNING id",
		key, amount, card).Scan(&id); err != nil {
		return err
	}
	answer(w, http.StatusAccepted, map[string]any{"order": id, "idempotency_key": key}, false)
	return nil
}

// parseOrder is an order's amount and card from its JSON body; a refusal (400)
// on anything else.
func parseOrder(raw []byte) (int64, string, error) {
	if !utf8.Valid(raw) {
		return 0, "", &refused{http.StatusBadRequest, "the body is not JSON"}
	}
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var order any
	if err := decoder.Decode(&order); err != nil || decoder.More() {
		return 0, "", &refused{http.StatusBadRequest, "the body is not JSON"}
	}
	fields, ok := order.(map[string]any)
	if !ok {
		return 0, "", &refused{http.StatusBadRequest, "the body is not a JSON object"}
	}
	amount, ok := wholeNumber(fields["amount"])
	if !ok || amount <= 0 || amount > maxAmount {
		return 0, "", &refused{http.StatusBadRequest, fmt.Sprintf("amount must be a whole number from 1 to %d", int64(maxAmount))}
	}
	card, ok := fields["card"].(string)
	if n := utf8.RuneCountInString(card); !ok || n == 0 || n > 64 {
		return 0, "", &refused{http.StatusBadRequest, "card must be a string of 1 to 64 characters"}
	}
	return amount, card, nil
}

// wholeNumber is a JSON number that is a whole number (1200.0 is 1200, as in
// JavaScript) within maxAmount's range; false for anything else.
func wholeNumber(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, true
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || f != math.Trunc(f) || math.Abs(f) > maxAmount {
		return 0, false
	}
	return int64(f), true
}
