// A webhook endpoint on Go's net/http: paywit verifies each delivery (Standard
// Webhooks) before the handler sees it, from the raw body it reads itself.
package main

import (
	"log"
	"net/http"
	"os"
	"strings"
	"sync"

	paywit "github.com/paywit/paywit/packages/go"
)

// seen stands in for your database: record the message id in the same
// transaction as the work, under a unique key, and a redelivery is a no-op.
var seen sync.Map

// handle runs once per verified delivery.
func handle(w http.ResponseWriter, r *http.Request, d *paywit.Delivery) {
	if _, duplicate := seen.LoadOrStore(*d.MessageID, true); duplicate {
		return // 200: the gateway stops redelivering
	}
	var event struct {
		Type string `json:"type"`
	}
	if err := d.JSON(&event); err != nil {
		http.Error(w, "body is not JSON", http.StatusBadRequest)
		return
	}
	log.Printf("%s: %s", *d.MessageID, event.Type)
}

// newMux serves the endpoint; secrets is the rotation list, newest first.
func newMux(secrets ...string) (*http.ServeMux, error) {
	verifier, err := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, secrets...)
	if err != nil {
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle("/webhooks", verifier.Middleware(handle, &paywit.MiddlewareOptions{MaxBytes: 1 << 20}))
	return mux, nil
}

func main() {
	mux, err := newMux(strings.Fields(os.Getenv("PAYWIT_WEBHOOK_SECRET"))...)
	if err != nil {
		log.Fatal(err) // the error names the secret's index, never the secret
	}
	addr := os.Getenv("ADDR")
	if addr == "" {
		addr = "127.0.0.1:3000"
	}
	log.Printf("listening on http://%s/webhooks", addr)
	log.Fatal(http.ListenAndServe(addr, mux))
}
