package main

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
)

const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"

// post sends body, signed at signedAt, to the quickstart's endpoint (tamper:
// with a word changed after signing) and returns the status.
func post(t *testing.T, url, id, body string, signedAt time.Time, tamper bool) int {
	t.Helper()
	header, err := paywit.SignWebhook(paywit.SchemeStandardWebhooks{}, secret, []byte(body), &paywit.SignOptions{ID: id, SignedAt: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	if tamper {
		body = strings.Replace(body, "succeeded", "refunded", 1)
	}
	req, _ := http.NewRequest(http.MethodPost, url+"/webhooks", bytes.NewBufferString(body))
	for name, values := range header {
		req.Header[name] = values
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestQuickstart(t *testing.T) {
	mux, err := newMux(secret)
	if err != nil {
		t.Fatal(err)
	}
	server := httptest.NewServer(mux)
	defer server.Close()
	body := `{"type":"payment.succeeded"}`
	now := time.Now()
	for _, c := range []struct {
		name, id, body string
		signedAt       time.Time
		tamper         bool
		want           int
	}{
		{"valid", "msg_1", body, now, false, 200},
		{"redelivered", "msg_1", body, now, false, 200},
		{"tampered", "msg_2", body, now, true, 401},
		{"stale", "msg_3", body, now.Add(-10 * time.Minute), false, 401},
		{"oversized", "msg_4", strings.Repeat("x", 1<<20+1), now, false, 413},
	} {
		if got := post(t, server.URL, c.id, c.body, c.signedAt, c.tamper); got != c.want {
			t.Errorf("%s: status %d, want %d", c.name, got, c.want)
		}
	}
	if _, ok := seen.Load("msg_1"); !ok {
		t.Error("the valid delivery's message id was not recorded")
	}
	for _, id := range []string{"msg_2", "msg_3", "msg_4"} {
		if _, ok := seen.Load(id); ok {
			t.Errorf("%s was refused but recorded", id)
		}
	}
	if _, err := newMux("not a secret"); err == nil {
		t.Error("an unusable secret was accepted")
	}
}
