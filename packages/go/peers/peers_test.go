// Package peers tests paywit's Go package against the independent Go SDKs
// (stripe-go's webhook package, standard-webhooks' Go library and svix-go) as
// a user of the module would: it is a separate module, so the library's own
// go.mod carries none of these test-only dependencies.
package peers

import (
	"encoding/base64"
	"fmt"
	"math/rand/v2"
	"net/http"
	"os"
	"strconv"
	"testing"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v82/webhook"
	svix "github.com/svix/svix-webhooks/go"
)

// family is the wire format a peer speaks.
type family int

const (
	stripeFamily family = iota
	standardFamily
)

// peer is one independent implementation.
type peer struct {
	name   string
	family family
	scheme paywit.Scheme
	// sign is the peer's own signer: the headers it would send.
	sign func(secret, id string, ts int64, body []byte) (http.Header, error)
	// verify is the peer's verdict with one secret (nil: accepted), as a Go
	// handler calls it: the raw body and r.Header.
	verify func(secret string, header http.Header, body []byte) error
}

var goPeers = []peer{
	{
		name:   "stripe-go",
		family: stripeFamily,
		scheme: paywit.SchemeStripe{},
		sign: func(secret, _ string, ts int64, body []byte) (http.Header, error) {
			signed := webhook.GenerateTestSignedPayload(&webhook.UnsignedPayload{
				Payload: body, Secret: secret, Timestamp: time.Unix(ts, 0),
			})
			h := http.Header{}
			h.Set("Stripe-Signature", signed.Header)
			return h, nil
		},
		verify: func(secret string, header http.Header, body []byte) error {
			return webhook.ValidatePayload(body, header.Get("Stripe-Signature"), secret)
		},
	},
	{
		name:   "standard-webhooks",
		family: standardFamily,
		scheme: paywit.SchemeStandardWebhooks{},
		sign: func(secret, id string, ts int64, body []byte) (http.Header, error) {
			wh, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				return nil, err
			}
			signature, err := wh.Sign(id, time.Unix(ts, 0), body)
			if err != nil {
				return nil, err
			}
			return standardHeaders("webhook", id, ts, signature), nil
		},
		verify: func(secret string, header http.Header, body []byte) error {
			wh, err := standardwebhooks.NewWebhook(secret)
			if err != nil {
				return err
			}
			return wh.Verify(body, header)
		},
	},
	{
		name:   "svix",
		family: standardFamily,
		scheme: paywit.SchemeStandardWebhooks{},
		sign: func(secret, id string, ts int64, body []byte) (http.Header, error) {
			wh, err := svix.NewWebhook(secret)
			if err != nil {
				return nil, err
			}
			signature, err := wh.Sign(id, time.Unix(ts, 0), body)
			if err != nil {
				return nil, err
			}
			return standardHeaders("webhook", id, ts, signature), nil
		},
		verify: func(secret string, header http.Header, body []byte) error {
			wh, err := svix.NewWebhook(secret)
			if err != nil {
				return err
			}
			return wh.Verify(body, header)
		},
	},
}

func standardHeaders(prefix, id string, ts int64, signature string) http.Header {
	h := http.Header{}
	h.Set(prefix+"-id", id)
	h.Set(prefix+"-timestamp", strconv.FormatInt(ts, 10))
	h.Set(prefix+"-signature", signature)
	return h
}

// seed is PAYWIT_PEER_SEED when set (to reproduce a failure), else the clock.
func seed(t testing.TB) uint64 {
	if s := os.Getenv("PAYWIT_PEER_SEED"); s != "" {
		n, err := strconv.ParseUint(s, 10, 64)
		if err != nil {
			t.Fatalf("PAYWIT_PEER_SEED=%q: %v", s, err)
		}
		return n
	}
	return uint64(time.Now().UnixNano())
}

func newRand(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

const alnum = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"

func randomString(r *rand.Rand, alphabet string, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = alphabet[r.IntN(len(alphabet))]
	}
	return string(b)
}

func randomBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.UintN(256))
	}
	return b
}

// newSecret is a fresh secret in the peer's format: Stripe's `whsec_` plus
// text (the whole string is the key), Standard Webhooks' `whsec_` plus padded
// base64 of 24, 32 or 48 random bytes (the Go peers need the padding).
func newSecret(r *rand.Rand, f family) string {
	if f == stripeFamily {
		return "whsec_" + randomString(r, alnum, 1+r.IntN(64))
	}
	return "whsec_" + base64.StdEncoding.EncodeToString(randomBytes(r, []int{24, 32, 48}[r.IntN(3)]))
}

var textAlphabet = []rune("abcXYZ019 {}[]\":,./\\\n\t\r-_=+é☃€日本😀\x00")

// randomBody is empty (1 in 10), JSON-ish text with non-ASCII, raw binary
// (not UTF-8), or a larger text body.
func randomBody(r *rand.Rand) []byte {
	switch k := r.IntN(10); {
	case k == 0:
		return []byte{}
	case k < 5:
		n := r.IntN(300)
		s := make([]rune, n)
		for i := range s {
			s[i] = textAlphabet[r.IntN(len(textAlphabet))]
		}
		return []byte(fmt.Sprintf(`{"note":%q,"amount":%d}`, string(s), r.IntN(1e9)))
	case k < 9:
		return randomBytes(r, 1+r.IntN(512))
	default:
		return randomBytes(r, 1+r.IntN(16<<10))
	}
}

func randomID(r *rand.Rand) string { return "msg_" + randomString(r, alnum, 1+r.IntN(30)) }

func cloneHeader(h http.Header) http.Header { return h.Clone() }

func encodeStd(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
