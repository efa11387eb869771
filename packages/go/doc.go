// Package paywit is the paywit component for Go: the discipline of payment
// integrations (webhook verification and signing for the major gateways,
// idempotency keys, retries, payment lifecycles, signed API requests, credential
// checks, payout reconciliation, crypto addresses, alert rules) as pure functions,
// safe to call from any goroutine.
//
// Verify a webhook in a handler with the raw body, before any JSON decoding:
//
//	verifier, err := paywit.NewVerifier(paywit.SchemeStripe{}, os.Getenv("STRIPE_WEBHOOK_SECRET"))
//	...
//	body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
//	delivery, err := verifier.Verify(r.Header, body, nil)
//	var stale *paywit.VerifyTimestampOutsideToleranceError
//	if errors.As(err, &stale) { ... }
//
// Verifier.Middleware does the reading and answering for a net/http handler.
//
// Every other function is the WIT export of the same name (webhooks.verify is
// Verify, retry.next-step is NextStep), generated from the WIT with its types:
// records are structs, enums typed constants, variants sealed interfaces with one
// struct per case (<Variant><Case>, the payload in Value), option<T> a pointer
// (an optional variant: the interface, nil for none), and each function's WIT
// error one pointer type per case that errors.As finds (the payload in Details).
// A time parameter named now is a time.Time whose zero value means the current
// time.
//
// The component runs on wazero (pure Go, no cgo), compiled once per process; each
// call borrows an instance from a pool, and an instance that trapped or grew
// large is dropped, never reused. Built with -tags paywit_wasmtime and run with
// PAYWIT_RUNTIME=wasmtime, the same code runs on wasmtime-go instead.
package paywit
