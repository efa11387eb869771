package peers

// Verification cost, paywit against the Go SDKs, per delivery:
//
//	go test -run '^$' -bench . -benchtime=1s
//
// Each benchmark verifies one authentic delivery (signed now) per op. The floor
// is Go's crypto/hmac SHA-256 over the same signed bytes and a constant-time
// compare: what any implementation must spend.

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"
	"testing"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v82/webhook"
	svix "github.com/svix/svix-webhooks/go"
)

var benchSizes = []struct {
	name string
	n    int
}{{"2B", 2}, {"1KiB", 1 << 10}, {"64KiB", 64 << 10}}

const (
	benchStripeSecret   = "whsec_benchmarkSecret0123456789abcdefABCDEF"
	benchStandardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
)

func benchBody(n int) []byte {
	b := []byte(strings.Repeat(`{"a":"payment.succeeded","n":1250}`, n/34+1))[:n]
	return b
}

func must(b *testing.B, err error) {
	if err != nil {
		b.Fatal(err)
	}
}

func BenchmarkVerify(b *testing.B) {
	for _, size := range benchSizes {
		body := benchBody(size.n)
		run := func(name string, verify func() error) {
			b.Run(name+"/"+size.name, func(b *testing.B) {
				must(b, verify())
				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				for b.Loop() {
					if err := verify(); err != nil {
						b.Fatal(err)
					}
				}
			})
		}

		// Stripe.
		now := time.Now()
		stripeHeader, err := paywit.SignWebhook(paywit.SchemeStripe{}, benchStripeSecret, body, &paywit.SignOptions{SignedAt: now})
		must(b, err)
		stripeVerifier, err := paywit.NewVerifier(paywit.SchemeStripe{}, benchStripeSecret)
		must(b, err)
		run("stripe/paywit-Verifier", func() error {
			_, err := stripeVerifier.Verify(stripeHeader, body, nil)
			return err
		})
		run("stripe/paywit-VerifyWebhook", func() error {
			_, err := paywit.VerifyWebhook(paywit.SchemeStripe{}, []string{benchStripeSecret}, stripeHeader, body, nil)
			return err
		})
		run("stripe/stripe-go-ValidatePayload", func() error {
			return webhook.ValidatePayload(body, stripeHeader.Get("Stripe-Signature"), benchStripeSecret)
		})
		stripeMAC := webhook.ComputeSignature(now, body, benchStripeSecret)
		run("stripe/floor-crypto-hmac", func() error {
			mac := hmac.New(sha256.New, []byte(benchStripeSecret))
			mac.Write(strconv.AppendInt(nil, now.Unix(), 10))
			mac.Write([]byte("."))
			mac.Write(body)
			if !hmac.Equal(mac.Sum(nil), stripeMAC) {
				return fmt.Errorf("floor: no match")
			}
			return nil
		})

		// Standard Webhooks.
		swHeader, err := paywit.SignWebhook(paywit.SchemeStandardWebhooks{}, benchStandardSecret, body,
			&paywit.SignOptions{ID: "msg_2LJNO9Fv6D0y1U9bJQZbA8SkyVN", SignedAt: now})
		must(b, err)
		swVerifier, err := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, benchStandardSecret)
		must(b, err)
		run("standard-webhooks/paywit-Verifier", func() error {
			_, err := swVerifier.Verify(swHeader, body, nil)
			return err
		})
		run("standard-webhooks/paywit-VerifyWebhook", func() error {
			_, err := paywit.VerifyWebhook(paywit.SchemeStandardWebhooks{}, []string{benchStandardSecret}, swHeader, body, nil)
			return err
		})
		sw, err := standardwebhooks.NewWebhook(benchStandardSecret)
		must(b, err)
		run("standard-webhooks/standard-webhooks-Verify", func() error { return sw.Verify(body, swHeader) })
		sv, err := svix.NewWebhook(benchStandardSecret)
		must(b, err)
		run("standard-webhooks/svix-Verify", func() error { return sv.Verify(body, swHeader) })
		key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(benchStandardSecret, "whsec_"))
		must(b, err)
		swMAC, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(swHeader.Get("Webhook-Signature"), "v1,"))
		must(b, err)
		run("standard-webhooks/floor-crypto-hmac", func() error {
			mac := hmac.New(sha256.New, key)
			mac.Write([]byte(swHeader.Get("Webhook-Id")))
			mac.Write([]byte("."))
			mac.Write(strconv.AppendInt(nil, now.Unix(), 10))
			mac.Write([]byte("."))
			mac.Write(body)
			if !hmac.Equal(mac.Sum(nil), swMAC) {
				return fmt.Errorf("floor: no match")
			}
			return nil
		})
	}
}
