package peers

// FuzzVerify: VerifyWebhook (and a Verifier) on fuzzed header values and
// bodies, for every built-in scheme and the generic hmac scheme, seeded with
// real signed deliveries. Properties: no panic; either a verified result or an
// error implementing paywit.Error; no message (Error, %+v, %#v) shows a secret;
// VerifyWebhook and the Verifier answer alike.
//
//	go test -run '^$' -fuzz=FuzzVerify -fuzztime=20s

import (
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
)

const fuzzURL = "https://shop.example/hooks/pay?x=1"

var fuzzNow = time.Unix(1764158400, 0)

// fuzzScheme is one scheme with the headers it reads and its secrets.
type fuzzScheme struct {
	scheme  paywit.Scheme
	headers []string
	secrets []string // [0] signs the seeds; [1] is another (rotation)
}

var fuzzSchemes = sync.OnceValues(func() ([]fuzzScheme, error) {
	infos, err := paywit.Schemes()
	if err != nil {
		return nil, err
	}
	prefix := "sha512="
	infos = append(infos, paywit.SchemeInfo{
		Scheme: paywit.SchemeHMAC{Value: paywit.HMACScheme{
			Header: "X-Fuzz-Sig", Algorithm: paywit.HashAlgorithmSHA512, Encoding: paywit.SignatureEncodingBase64, Prefix: &prefix,
		}},
		Headers: []string{"X-Fuzz-Sig"},
	})
	var out []fuzzScheme
	for i, info := range infos {
		s := fuzzScheme{scheme: info.Scheme, headers: info.Headers}
		for j := range 2 {
			plain := fmt.Sprintf("fuzz-secret-%d-%d-do-not-print-7f3a9c", i, j)
			switch info.Scheme.(type) {
			case paywit.SchemeStandardWebhooks:
				s.secrets = append(s.secrets, "whsec_"+base64.StdEncoding.EncodeToString([]byte(plain)))
			case paywit.SchemeStripe:
				s.secrets = append(s.secrets, "whsec_"+plain)
			default:
				s.secrets = append(s.secrets, plain)
			}
		}
		out = append(out, s)
	}
	return out, nil
})

// secretNeedles are the texts no message may contain: each secret, and its
// base64 part and decoded key for Standard Webhooks.
func secretNeedles(secrets []string) []string {
	var out []string
	for _, s := range secrets {
		out = append(out, s)
		if b64, ok := strings.CutPrefix(s, "whsec_"); ok {
			out = append(out, b64)
			if key, err := base64.StdEncoding.DecodeString(b64); err == nil {
				out = append(out, string(key))
			}
		}
	}
	return out
}

func FuzzVerify(f *testing.F) {
	schemes, err := fuzzSchemes()
	if err != nil {
		f.Fatal(err)
	}
	bodies := [][]byte{
		[]byte(`{"id":"evt_1","type":"payment.succeeded","amount":1250,"note":"é☃"}`),
		{},
		{0x00, 0xff, 0xfe, 0x80, '\n', '\r'},
	}
	for i, s := range schemes {
		for _, body := range bodies {
			if _, ok := s.scheme.(paywit.SchemeNowpayments); ok && !bytes.HasPrefix(body, []byte("{")) {
				continue // NOWPayments signs canonical JSON: a JSON body only
			}
			h, err := paywit.SignWebhook(s.scheme, s.secrets[0], body,
				&paywit.SignOptions{ID: "msg_2Lx9fuzz", SignedAt: fuzzNow.Add(-2 * time.Second), URL: fuzzURL})
			if err != nil {
				f.Fatalf("signing a seed for %T: %v", s.scheme, err)
			}
			values := make([]string, 3)
			for j, name := range s.headers {
				if j < 3 {
					values[j] = h.Get(name)
				}
			}
			if _, err := paywit.VerifyWebhook(s.scheme, s.secrets[:1], h, body, &paywit.WebhookOptions{Now: fuzzNow, URL: fuzzURL}); err != nil {
				f.Fatalf("a seed for %T does not verify: %v", s.scheme, err)
			}
			for flags := range uint8(4) {
				f.Add(uint8(i), values[0], values[1], values[2], body, flags)
			}
		}
	}
	f.Fuzz(func(t *testing.T, which uint8, v0, v1, v2 string, body []byte, flags uint8) {
		s := schemes[int(which)%len(schemes)]
		header := http.Header{}
		for j, value := range []string{v0, v1, v2} {
			if j >= len(s.headers) {
				break
			}
			name := s.headers[j]
			if flags&1 != 0 {
				name = strings.ToLower(name) // raw map key, not canonicalised
				if _, ok := s.scheme.(paywit.SchemeStandardWebhooks); ok {
					name = strings.Replace(name, "webhook-", "svix-", 1)
				}
			}
			header[name] = append(header[name], value)
		}
		if flags&2 != 0 && len(s.headers) > 0 {
			header.Add("X-Unrelated", v2) // an unrelated header carrying fuzzed bytes
			header.Add(s.headers[0], v1)  // the first header repeated
		}
		secrets := s.secrets[:1]
		if flags&4 != 0 {
			secrets = []string{s.secrets[1], s.secrets[0]}
		}
		opts := &paywit.WebhookOptions{Now: fuzzNow, URL: fuzzURL}
		if flags&8 != 0 {
			tol := uint32(flags) * 1000
			opts.ToleranceSeconds = &tol
		}
		got, err := paywit.VerifyWebhook(s.scheme, secrets, header, body, opts)
		if err == nil {
			if int(got.SecretIndex) >= len(secrets) {
				t.Fatalf("secret index %d of %d secrets", got.SecretIndex, len(secrets))
			}
		} else {
			var pe paywit.Error
			if !errors.As(err, &pe) {
				t.Fatalf("%T %v is not a paywit.Error", err, err)
			}
			var fault *paywit.GuestFault
			if errors.As(err, &fault) {
				t.Fatalf("guest fault: %v", err)
			}
			text := err.Error() + fmt.Sprintf(" %+v %#v %s", err, err, pe.Code())
			for _, needle := range secretNeedles(secrets) {
				if strings.Contains(text, needle) {
					t.Fatalf("the message shows a secret: %s", text)
				}
			}
		}
		v, verr := paywit.NewVerifier(s.scheme, secrets...)
		if verr != nil {
			t.Fatalf("NewVerifier: %v", verr)
		}
		if text := fmt.Sprintf("%v %+v %#v %s", v, v, v, v); containsAny(text, secretNeedles(secrets)) {
			t.Fatalf("the Verifier prints a secret: %s", text)
		}
		got2, err2 := v.Verify(header, body, opts)
		// Compared without an invalid-argument's Path: for a header it is a position
		// in map order (TestInvalidUTF8HeaderPathIsDeterministic).
		if (err == nil) != (err2 == nil) || (err != nil && comparable(err) != comparable(err2)) || (err == nil && !equalVerified(got, got2)) {
			t.Fatalf("VerifyWebhook: %+v %v; Verifier: %+v %v", got, err, got2, err2)
		}
	})
}

func containsAny(s string, needles []string) bool {
	for _, n := range needles {
		if strings.Contains(s, n) {
			return true
		}
	}
	return false
}

// comparable is an error's text, an invalid-argument's without its Path.
func comparable(err error) string {
	var ia *paywit.InvalidArgumentError
	if errors.As(err, &ia) {
		return "invalid-argument: " + ia.Reason
	}
	return err.Error()
}
