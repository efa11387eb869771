// conformance/golden/verify-packed.json: the hand-written encoder in
// webhook.go (fieldBlock, packedHead, packDelivery) must produce the field
// block, the whole layout-1 buffer and the delivery part byte for byte, and
// every way of verifying the delivery must give the case's answer.

package paywit

import (
	"bytes"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"reflect"
	"testing"
	"time"
)

type goldenCase struct {
	Name      string          `json:"name"`
	Scheme    json.RawMessage `json:"scheme"`
	Secrets   []string        `json:"secrets"`
	Headers   [][2]string     `json:"headers"`
	Body      map[string]string
	URL       *string         `json:"url"`
	Now       int64           `json:"now"`
	Tolerance *uint32         `json:"tolerance-seconds"`
	Fields    *string         `json:"fields"`
	Packed    *string         `json:"packed"`
	Delivery  *string         `json:"delivery"`
	Expect    json.RawMessage `json:"expect"`
}

func loadGolden(t *testing.T) []goldenCase {
	t.Helper()
	raw, err := os.ReadFile("../../conformance/golden/verify-packed.json")
	if err != nil {
		t.Fatal(err)
	}
	var file struct {
		Cases []goldenCase `json:"cases"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Cases) < 10 {
		t.Fatalf("only %d golden cases", len(file.Cases))
	}
	return file.Cases
}

// goldenScheme is the case's scheme: a case name, or {"hmac": {...}}.
func goldenScheme(t *testing.T, raw json.RawMessage) Scheme {
	t.Helper()
	var name string
	if json.Unmarshal(raw, &name) == nil {
		for _, s := range []Scheme{SchemeStandardWebhooks{}, SchemeStripe{}, SchemeGithub{}, SchemeShopify{},
			SchemeCoinbaseCommerce{}, SchemeBtcpay{}, SchemeRazorpay{}, SchemeSlack{}, SchemePaddle{}, SchemeSquare{}, SchemeNowpayments{}} {
			if s.CaseName() == name {
				return s
			}
		}
		t.Fatalf("unknown scheme %q", name)
	}
	var h struct {
		HMAC *struct {
			Header    string            `json:"header"`
			Algorithm HashAlgorithm     `json:"algorithm"`
			Encoding  SignatureEncoding `json:"encoding"`
			Prefix    *string           `json:"prefix"`
		} `json:"hmac"`
	}
	if err := json.Unmarshal(raw, &h); err != nil || h.HMAC == nil {
		t.Fatalf("scheme %s: %v", raw, err)
	}
	return SchemeHMAC{Value: HMACScheme{Header: h.HMAC.Header, Algorithm: h.HMAC.Algorithm, Encoding: h.HMAC.Encoding, Prefix: h.HMAC.Prefix}}
}

// bodyCase is the golden body's case index (text or bytes).
func (c goldenCase) bodyCase() byte {
	if _, ok := c.Body["text"]; ok {
		return bodyTextCase
	}
	return bodyBytesCase
}

func (c goldenCase) body(t *testing.T) []byte {
	if text, ok := c.Body["text"]; ok {
		return []byte(text)
	}
	b, err := hex.DecodeString(c.Body["bytes"])
	if err != nil {
		t.Fatalf("body: %v", err)
	}
	return b
}

// goldenAnswer checks an answer against expect: {"ok": verified} or {"err": case}.
func goldenAnswer(expect json.RawMessage, got Verified, err error) error {
	var want struct {
		Ok *struct {
			SecretIndex uint32  `json:"secret-index"`
			MessageID   *string `json:"message-id"`
			SignedAt    *int64  `json:"signed-at"`
		} `json:"ok"`
		Err json.RawMessage `json:"err"`
	}
	if e := json.Unmarshal(expect, &want); e != nil {
		return e
	}
	if want.Ok != nil {
		if err != nil {
			return fmt.Errorf("want ok, got %T %v", err, err)
		}
		w := Verified{SecretIndex: want.Ok.SecretIndex, MessageID: want.Ok.MessageID, SignedAt: want.Ok.SignedAt}
		if !reflect.DeepEqual(got, w) {
			return fmt.Errorf("got %+v, want %+v", got, w)
		}
		return nil
	}
	var code string
	if json.Unmarshal(want.Err, &code) != nil {
		var obj map[string]json.RawMessage
		if e := json.Unmarshal(want.Err, &obj); e != nil || len(obj) != 1 {
			return fmt.Errorf("expect %s", expect)
		}
		for k := range obj {
			code = k
		}
	}
	var ve VerifyError
	if !errors.As(err, &ve) {
		return fmt.Errorf("want the verify error %s, got %+v, %v", code, got, err)
	}
	if ve.Code() != code {
		return fmt.Errorf("error %s (%v), want %s", ve.Code(), ve, code)
	}
	return nil
}

// explainDiff says where got differs from want; delivery is where the delivery
// part starts in both. The body-case byte follows the field block.
func explainDiff(c goldenCase, got, want []byte, delivery int) string {
	tag := delivery + 4 + len(*c.Fields)
	if len(got) == len(want) && tag < len(got) {
		patched := append([]byte(nil), got...)
		patched[tag] = want[tag]
		if bytes.Equal(patched, want) {
			return fmt.Sprintf("only the body-case byte (offset %d) differs: got %d, want %d (the golden body is %v)",
				tag, got[tag], want[tag], mapKeys(c.Body))
		}
	}
	for i := 0; i < len(got) && i < len(want); i++ {
		if got[i] != want[i] {
			return fmt.Sprintf("first difference at byte %d: got %02x, want %02x (lengths %d, %d)\n got  %x\n want %x", i, got[i], want[i], len(got), len(want), got, want)
		}
	}
	return fmt.Sprintf("lengths %d, %d\n got  %x\n want %x", len(got), len(want), got, want)
}

func TestGoldenVerifyPacked(t *testing.T) {
	packed, answered := 0, 0
	for _, c := range loadGolden(t) {
		t.Run(c.Name, func(t *testing.T) {
			scheme := goldenScheme(t, c.Scheme)
			body := c.body(t)
			headers := make([]Header, len(c.Headers))
			header := http.Header{} // the names exactly as in the case
			for i, h := range c.Headers {
				headers[i] = Header{Name: h[0], Value: h[1]}
				header[h[0]] = append(header[h[0]], h[1])
			}
			block, ok := fieldBlock(headers)
			switch {
			case c.Fields == nil && ok:
				t.Errorf("fieldBlock made a block %q; the golden file says none can carry these headers", block)
			case c.Fields != nil && !ok:
				t.Errorf("fieldBlock refused headers the golden file carries as %q", *c.Fields)
			case c.Fields != nil && block != *c.Fields:
				t.Errorf("fieldBlock = %q, want %q", block, *c.Fields)
			}
			if c.Fields == nil {
				if c.Packed != nil || c.Delivery != nil {
					t.Errorf("the golden file has a buffer but no field block")
				}
			} else {
				packed++
				wantPacked, err1 := hex.DecodeString(*c.Packed)
				wantDelivery, err2 := hex.DecodeString(*c.Delivery)
				if err1 != nil || err2 != nil {
					t.Fatal(err1, err2)
				}
				head := packedHead(scheme, boundedSecrets(c.Secrets))
				gotPacked := packDelivery(head, *c.Fields, c.bodyCase(), body, c.URL, c.Now, c.Tolerance)
				if !bytes.Equal(gotPacked, wantPacked) {
					t.Errorf("packedHead+packDelivery differ from the golden layout-1 buffer: %s", explainDiff(c, gotPacked, wantPacked, len(head)))
				}
				if !bytes.HasPrefix(wantPacked, head) {
					t.Errorf("packedHead = %x is not the golden buffer's head", head)
				}
				gotDelivery := packDelivery(nil, *c.Fields, c.bodyCase(), body, c.URL, c.Now, c.Tolerance)
				if !bytes.Equal(gotDelivery, wantDelivery) {
					t.Errorf("packDelivery differs from the golden delivery: %s", explainDiff(c, gotDelivery, wantDelivery, 0))
				}
				// Every buffer answers the case's expect: the golden one, Go's, and Go's
				// delivery after a prepared head.
				got, err := VerifyPacked(wantPacked)
				if e := goldenAnswer(c.Expect, got, err); e != nil {
					t.Errorf("VerifyPacked(golden buffer): %v", e)
				}
				got, err = VerifyPacked(gotPacked)
				if e := goldenAnswer(c.Expect, got, err); e != nil {
					t.Errorf("VerifyPacked(Go's buffer): %v", e)
				}
				if prepared, err := PreparePacked(scheme, c.Secrets); err == nil {
					got, err = VerifyPacked(append(prepared, gotDelivery...))
					if e := goldenAnswer(c.Expect, got, err); e != nil {
						t.Errorf("VerifyPacked(prepared head + Go's delivery): %v", e)
					}
				}
			}
			opts := &WebhookOptions{Now: time.Unix(c.Now, 0), ToleranceSeconds: c.Tolerance}
			if c.URL != nil {
				opts.URL = *c.URL
			}
			got, err := VerifyWebhook(scheme, c.Secrets, header, body, opts)
			if e := goldenAnswer(c.Expect, got, err); e != nil {
				t.Errorf("VerifyWebhook: %v", e)
			}
			answered++
			v, err := NewVerifier(scheme, c.Secrets...)
			if err != nil {
				if e := goldenAnswer(c.Expect, Verified{}, err); e != nil {
					t.Errorf("NewVerifier: %v", e)
				}
				return
			}
			got, err = v.Verify(header, body, opts)
			if e := goldenAnswer(c.Expect, got, err); e != nil {
				t.Errorf("Verifier.Verify: %v", e)
			}
		})
	}
	t.Logf("%d golden cases answered, %d packed", answered, packed)
}

func mapKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
