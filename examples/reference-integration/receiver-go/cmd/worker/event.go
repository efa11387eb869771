package main

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"

	paywit "github.com/paywit/paywit/packages/go"
)

// maxTimestamp is the largest created taken (2^53 - 1, the integers JSON
// numbers hold exactly everywhere): it goes into a BIGINT column and, as
// seconds elapsed, into paywit's poll backstop (s64).
const maxTimestamp = 1<<53 - 1

// event is a recorded event's fields that the worker uses, checked.
type event struct {
	source     paywit.Gateway
	eventType  string
	objectID   string
	objectKind *string // data.object.object
	status     *string // data.object.status
	created    int64
}

// paidPayout is whether the event is a paid payout (whose items are listed from the API).
func (e *event) paidPayout() bool {
	return e.objectKind != nil && *e.objectKind == "payout" && e.status != nil && *e.status == "paid"
}

// parseEvent is the event in body, with the fields the worker uses checked;
// the malformed-event failure otherwise.
func parseEvent(body string) (*event, error) {
	fields, ok := decodeObject([]byte(body))
	if !ok {
		return nil, malformed
	}
	data, _ := fields["data"].(map[string]any)
	object, _ := data["object"].(map[string]any)
	if object == nil {
		return nil, malformed
	}
	e := &event{}
	var okID, okType, okStatus, okKind, okSource bool
	e.objectID, okID = object["id"].(string)
	e.eventType, okType = fields["type"].(string)
	e.status, okStatus = optionalString(object, "status")
	e.objectKind, okKind = optionalString(object, "object")
	source := "stripe"
	if v, present := fields["source"]; present {
		source, okSource = v.(string)
	} else {
		okSource = true
	}
	created, okCreated := timestamp(fields["created"])
	if !okID || e.objectID == "" || !okType || !okStatus || !okKind || !okSource || !okCreated {
		return nil, malformed
	}
	if err := e.source.UnmarshalText([]byte(source)); err != nil {
		return nil, malformed // a gateway paywit does not know
	}
	e.created = created
	return e, nil
}

// decodeObject is a JSON object, its numbers kept as json.Number.
func decodeObject(raw []byte) (map[string]any, bool) {
	decoder := json.NewDecoder(bytes.NewReader(raw))
	decoder.UseNumber()
	var value any
	if err := decoder.Decode(&value); err != nil || decoder.More() {
		return nil, false
	}
	object, ok := value.(map[string]any)
	return object, ok
}

// optionalString is a field that is a string, null or absent (nil for the last two).
func optionalString(fields map[string]any, name string) (*string, bool) {
	switch v := fields[name].(type) {
	case nil:
		return nil, true
	case string:
		return &v, true
	}
	return nil, false
}

// timestamp is a JSON number from 0 to maxTimestamp, truncated to whole seconds.
func timestamp(v any) (int64, bool) {
	n, ok := v.(json.Number)
	if !ok {
		return 0, false
	}
	if i, err := strconv.ParseInt(string(n), 10, 64); err == nil {
		return i, 0 <= i && i <= maxTimestamp
	}
	f, err := strconv.ParseFloat(string(n), 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxTimestamp {
		return 0, false
	}
	return int64(f), true
}
