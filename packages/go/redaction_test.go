package paywit_test

import (
	"bytes"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	paywit "github.com/paywit/paywit/packages/go"
)

// No way of printing or logging a value shows the secret it holds: fmt's verbs
// and log/slog's text and JSON handlers, on the values and on a struct holding
// them. (A record's secret is a plain string field: in an unexported field of
// the caller's own struct, where fmt cannot call String, it shows. A Verifier
// keeps its secrets out of reach even there.)
func TestNothingPrintsASecret(t *testing.T) {
	const secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	verifier, err := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, secret)
	if err != nil {
		t.Fatal(err)
	}
	pair, err := paywit.NewSigningKeyPair()
	if err != nil {
		t.Fatal(err)
	}
	apiSecret := paywit.APISecret{KeyID: "key_1", Secret: "s3cr3t-value-0123456789"}
	type holder struct {
		Name     string
		verifier *paywit.Verifier
		value    paywit.Verifier
		Pair     paywit.SigningKeyPair
		API      paywit.APISecret
	}
	held := holder{Name: "billing", verifier: verifier, value: *verifier, Pair: pair, API: apiSecret}
	secrets := []string{secret, strings.TrimPrefix(secret, "whsec_"), pair.SigningKey, apiSecret.Secret}
	values := []any{verifier, *verifier, pair, apiSecret, held, &held}

	var shown []string
	for _, v := range values {
		for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%d"} {
			shown = append(shown, fmt.Sprintf(verb, v))
		}
	}
	for _, json := range []bool{false, true} {
		var out bytes.Buffer
		var handler slog.Handler = slog.NewTextHandler(&out, nil)
		if json {
			handler = slog.NewJSONHandler(&out, nil)
		}
		slog.New(handler).Info("configured", "verifier", verifier, "pair", pair, "api", apiSecret)
		shown = append(shown, out.String())
	}
	for _, text := range shown {
		for _, s := range secrets {
			if strings.Contains(text, s) {
				t.Errorf("a secret is shown in %q", text)
			}
		}
	}
	if !strings.Contains(fmt.Sprint(verifier), "standard-webhooks, 1 secrets") {
		t.Errorf("a Verifier shows its scheme and how many secrets: %v", verifier)
	}
	var zero paywit.Verifier
	if _, err := zero.Verify(nil, nil, nil); err == nil {
		t.Error("a zero Verifier verified")
	}
}
