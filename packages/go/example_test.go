package paywit_test

import (
	"errors"
	"fmt"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
)

// Sign a delivery as a gateway would, then verify it as the receiving handler
// does (header is r.Header, body the raw request body). Passing Now makes the
// example deterministic; a handler leaves it zero (the current time).
func ExampleVerifyWebhook() {
	secret := "whsec_example_secret_0123456789"
	body := []byte(`{"id":"evt_1","type":"payment_intent.succeeded"}`)
	signedAt := time.Unix(1764158400, 0)

	header, err := paywit.SignWebhook(paywit.SchemeStripe{}, secret, body, &paywit.SignOptions{SignedAt: signedAt})
	if err != nil {
		fmt.Println("sign:", err)
		return
	}
	opts := &paywit.WebhookOptions{Now: signedAt.Add(30 * time.Second)}
	verified, err := paywit.VerifyWebhook(paywit.SchemeStripe{}, []string{secret}, header, body, opts)
	if err != nil {
		fmt.Println("verify:", err)
		return
	}
	fmt.Println("secret index:", verified.SecretIndex, "signed at:", *verified.SignedAt)

	// A changed body no longer verifies.
	_, err = paywit.VerifyWebhook(paywit.SchemeStripe{}, []string{secret}, header, append(body, ' '), opts)
	var mismatch *paywit.VerifyNoMatchingSignatureError
	fmt.Println("tampered:", errors.As(err, &mismatch))

	// Ten minutes later the delivery is outside Stripe's 300 s window.
	_, err = paywit.VerifyWebhook(paywit.SchemeStripe{}, []string{secret}, header, body, &paywit.WebhookOptions{Now: signedAt.Add(10 * time.Minute)})
	var stale *paywit.VerifyTimestampOutsideToleranceError
	if errors.As(err, &stale) {
		fmt.Println("stale:", stale.Details.Direction, stale.Details.SecondsOutside, "s outside")
	}
	// Output:
	// secret index: 0 signed at: 1764158400
	// tampered: true
	// stale: past 300 s outside
}

// Rotating a secret: the Verifier holds the new secret first and the old one
// second, so deliveries signed with either verify while the gateway switches.
func ExampleNewVerifier() {
	newSecret := "whsec_new_secret_after_rotation_01"
	oldSecret := "whsec_old_secret_before_rotation_0"
	verifier, err := paywit.NewVerifier(paywit.SchemeStripe{}, newSecret, oldSecret)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(verifier)

	body := []byte(`{"id":"evt_2"}`)
	signedAt := time.Unix(1764158400, 0)
	header, err := paywit.SignWebhook(paywit.SchemeStripe{}, oldSecret, body, &paywit.SignOptions{SignedAt: signedAt})
	if err != nil {
		fmt.Println(err)
		return
	}
	verified, err := verifier.Verify(header, body, &paywit.WebhookOptions{Now: signedAt})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("SecretIndex:", verified.SecretIndex)
	// Output:
	// paywit.Verifier{stripe, 2 secrets}
	// SecretIndex: 1
}

// Classify a failed gateway call: whether to retry it, and with the same
// idempotency key.
func ExampleClassify() {
	status := uint16(503)
	c, err := paywit.Classify(paywit.Failure{Status: &status})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Category, "retry:", c.Retry, "same key:", c.ReuseIdempotencyKey)

	declined := uint16(402)
	code := "card_declined"
	c, _ = paywit.Classify(paywit.Failure{Status: &declined, ErrorCode: &code})
	fmt.Println(c.Category, "retry:", c.Retry)
	// Output:
	// server-error retry: true same key: true
	// payment-declined retry: false
}

// The next step after a failed attempt, with the randomness pinned so the
// answer is reproducible (NextStep draws it from a secure source).
func ExampleNextStepWithRandom() {
	policy := paywit.Policy{
		Schedule:    paywit.ScheduleExponential{Value: paywit.Exponential{BaseMs: 100, Multiplier: 2.5, CapMs: 10_000}},
		MaxAttempts: 10,
		Jitter:      paywit.JitterNone,
		MaxDelayMs:  60_000,
	}
	status := uint16(500)
	now := time.Unix(1764158400, 0)
	for attempt := uint32(1); attempt <= 3; attempt++ {
		step, err := paywit.NextStepWithRandom(policy, attempt, paywit.Failure{Status: &status}, now, 7)
		if err != nil {
			fmt.Println(err)
			return
		}
		if wait, ok := step.(paywit.StepRetryAfterMs); ok {
			fmt.Println("attempt", attempt, "wait", wait.Value, "ms")
		}
	}
	step, _ := paywit.NextStepWithRandom(policy, 10, paywit.Failure{Status: &status}, now, 7)
	fmt.Printf("attempt 10: %T\n", step)
	// Output:
	// attempt 1 wait 100 ms
	// attempt 2 wait 250 ms
	// attempt 3 wait 625 ms
	// attempt 10: paywit.StepGiveUp
}

// Apply webhook events to a payment's stored state: out-of-order and repeated
// events never move it backwards.
func ExampleApply() {
	var current paywit.State // none yet
	for _, incoming := range []paywit.State{
		paywit.StatePayment{Value: paywit.PaymentStatusProcessing},
		paywit.StatePayment{Value: paywit.PaymentStatusSucceeded},
		paywit.StatePayment{Value: paywit.PaymentStatusProcessing}, // late and out of order
		paywit.StatePayment{Value: paywit.PaymentStatusSucceeded},  // a redelivery
	} {
		outcome, err := paywit.Apply(current, incoming)
		if err != nil {
			fmt.Println(err)
			return
		}
		switch o := outcome.(type) {
		case paywit.OutcomeAdvanced:
			current = o.Value
			fmt.Println("advanced to", o.Value.(paywit.StatePayment).Value)
		case paywit.OutcomeStale:
			fmt.Println("stale: ignored")
		case paywit.OutcomeUnchanged:
			fmt.Println("unchanged")
		default:
			fmt.Printf("%T\n", o)
		}
	}
	// Output:
	// advanced to processing
	// advanced to succeeded
	// stale: ignored
	// unchanged
}
