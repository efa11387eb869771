// The idiomatic webhook surface (hand-written): Verifier, VerifyWebhook and
// SignWebhook take what a Go HTTP handler has (http.Header, the raw body as
// []byte) and call the generated functions. Verification takes the fast path,
// webhooks.verify-packed: the headers as one field block and the whole request
// in one buffer, one call into the component.

package paywit

import (
	"encoding/binary"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"
)

// WebhookOptions are the optional parts of a verification. The zero value (or a
// nil *WebhookOptions) verifies now, with the scheme's own tolerance, without a URL.
type WebhookOptions struct {
	// Now is the time the delivery is checked against; the zero time means time.Now().
	Now time.Time
	// ToleranceSeconds replaces the scheme's replay window (nil: the scheme's default).
	ToleranceSeconds *uint32
	// URL is the full URL the delivery was sent to, for schemes that sign it
	// (Square); empty means none.
	URL string
}

// A Verifier verifies deliveries for one scheme and one rotation list of secrets.
// Build it once, at start-up: the secrets are checked and prepared then (an
// unusable secret is a *VerifyUnusableSecretError from NewVerifier, not at the
// first delivery), and each Verify is one call into the component. A Verifier is
// safe for concurrent use by any number of goroutines. It never shows its secrets:
// printing one shows the scheme and how many secrets it holds.
type Verifier struct {
	// Behind two pointers: fmt prints an unexported field of a struct holding a
	// Verifier without calling String (and, for a verb that does not fit, the
	// value one pointer down), and it must find no secret there.
	state *verifierState
}

type verifierState struct {
	scheme Scheme
	keys   *verifierKeys
}

type verifierKeys struct {
	secrets []string // for the general path (headers a field block cannot carry)
	head    []byte   // prepare-packed's answer: as secret as the secrets
}

// NewVerifier checks and prepares scheme and secrets (newest first while rotating;
// a delivery verifies when any secret matches, and Verified.SecretIndex says which).
func NewVerifier(scheme Scheme, secrets ...string) (*Verifier, error) {
	secrets, err := boundedSecretList(secrets)
	if err != nil {
		return nil, err
	}
	head, err := PreparePacked(scheme, secrets)
	if err != nil {
		return nil, err
	}
	kept := append([]string(nil), secrets...)
	return &Verifier{state: &verifierState{scheme: derefScheme(scheme), keys: &verifierKeys{secrets: kept, head: head}}}, nil
}

// String shows the scheme and the number of secrets, never the secrets.
func (v Verifier) String() string {
	if v.state == nil {
		return "paywit.Verifier{}"
	}
	return fmt.Sprintf("paywit.Verifier{%s, %d secrets}", v.state.scheme.CaseName(), len(v.state.keys.secrets))
}

// GoString is String, so %#v shows no secret either.
func (v Verifier) GoString() string { return v.String() }

// Format is String for every fmt verb.
func (v Verifier) Format(f fmt.State, verb rune) { redactedFormat(f, verb, v) }

// LogValue is String, so log/slog shows no secret either.
func (v Verifier) LogValue() slog.Value { return slog.StringValue(v.String()) }

// Verify verifies one delivery: header as the request's headers (r.Header) and
// body as the raw body, exactly as received (before any JSON decoding). A
// refusal is a VerifyError: errors.As finds its case, such as
// *VerifyNoMatchingSignatureError or *VerifyTimestampOutsideToleranceError.
func (v *Verifier) Verify(header http.Header, body []byte, opts *WebhookOptions) (Verified, error) {
	if v == nil || v.state == nil {
		return Verified{}, invalidArg("a Verifier must come from NewVerifier")
	}
	return verifyWith(v.state.keys.head, v.state.scheme, v.state.keys.secrets, header, body, opts)
}

// VerifyWebhook verifies one delivery against secrets (one, or a rotation list):
//
//	verified, err := paywit.VerifyWebhook(paywit.SchemeStripe{}, secrets, r.Header, body, nil)
//
// To verify many deliveries with the same secrets, a Verifier does the
// per-secret work once.
func VerifyWebhook(scheme Scheme, secrets []string, header http.Header, body []byte, opts *WebhookOptions) (Verified, error) {
	if e := checkScheme(scheme); e != nil {
		return Verified{}, e.within("scheme")
	}
	for i, s := range secrets {
		if !validUTF8(s) {
			return Verified{}, invalidArg("must be valid UTF-8").within("secrets" + indexSegment(i))
		}
	}
	secrets, err := boundedSecretList(secrets)
	if err != nil {
		return Verified{}, err
	}
	scheme = derefScheme(scheme)
	return verifyWith(packedHead(scheme, secrets), scheme, secrets, header, body, opts)
}

// verifyWith verifies on the fast path when the headers fit a field block, and
// through Verify (a header list) otherwise.
func verifyWith(head []byte, scheme Scheme, secrets []string, header http.Header, body []byte, opts *WebhookOptions) (Verified, error) {
	if opts == nil {
		opts = &WebhookOptions{}
	}
	now := unixOrNow(opts.Now)
	var url *string
	if opts.URL != "" {
		url = &opts.URL
		if !validUTF8(opts.URL) {
			return Verified{}, invalidArg("must be valid UTF-8").within("opts.URL")
		}
	}
	headers := headerList(header)
	for _, h := range headers {
		if !validUTF8(h.Name) {
			return Verified{}, invalidArg("header names must be valid UTF-8").within("header")
		}
		if !validUTF8(h.Value) {
			return Verified{}, invalidArg("must be valid UTF-8").within("header[" + strconv.Quote(h.Name) + "]")
		}
	}
	if err := requestLimits(body, headers, opts.URL); err != nil {
		return Verified{}, err
	}
	if block, ok := fieldBlock(headers); ok {
		verified, err := VerifyPacked(packDelivery(head, block, bodyBytesCase, body, url, now, opts.ToleranceSeconds))
		if e, isMalformed := err.(*VerifyMalformedHeaderError); !isMalformed || e.Details.Name != "" {
			return verified, err
		}
		// The component refused the block itself (a name a block cannot carry): the general path.
	}
	request := Request{Headers: headers, Body: BodyBytes{Value: body}}
	request.URL = url
	return Verify(scheme, secrets, request, VerifyOptions{Now: time.Unix(now, 0), ToleranceSeconds: opts.ToleranceSeconds})
}

// SignOptions are the optional parts of a message to sign.
type SignOptions struct {
	// ID is the message id, for schemes that sign one (Standard Webhooks); empty means none.
	ID string
	// SignedAt is the signing time; the zero time means time.Now().
	SignedAt time.Time
	// URL is the URL the message is sent to, for schemes that sign it; empty means none.
	URL string
}

// SignWebhook signs body for scheme with secret and returns the headers to send.
// A message it cannot sign is a SignError (such as *SignUnusableSecretError).
func SignWebhook(scheme Scheme, secret string, body []byte, opts *SignOptions) (http.Header, error) {
	if opts == nil {
		opts = &SignOptions{}
	}
	message := Message{Body: BodyBytes{Value: body}, SignedAt: unixOrNow(opts.SignedAt)}
	if opts.ID != "" {
		message.ID = &opts.ID
	}
	if opts.URL != "" {
		message.URL = &opts.URL
	}
	headers, err := Sign(scheme, secret, message)
	if err != nil {
		return nil, err
	}
	out := make(http.Header, len(headers))
	for _, h := range headers {
		out.Add(h.Name, h.Value)
	}
	return out, nil
}

// headerList is header as WIT headers, each value of a repeated name its own
// header, the names in sorted order (a map's order changes from call to call;
// an answer, or an error's path, must not).
func headerList(header http.Header) []Header {
	n := 0
	names := make([]string, 0, len(header))
	for name, values := range header {
		n += len(values)
		names = append(names, name)
	}
	sort.Strings(names)
	out := make([]Header, 0, n)
	for _, name := range names {
		for _, value := range header[name] {
			out = append(out, Header{Name: name, Value: value})
		}
	}
	return out
}

// fieldBlock is the headers as "name: value\r\n" lines, or false when a block
// might not carry them exactly (a CR or LF anywhere, a colon in a name).
func fieldBlock(headers []Header) (string, bool) {
	size := 0
	for _, h := range headers {
		if strings.ContainsAny(h.Name, "\r\n:") || strings.ContainsAny(h.Value, "\r\n") {
			return "", false
		}
		size += len(h.Name) + len(h.Value) + 4
	}
	var b strings.Builder
	b.Grow(size)
	for _, h := range headers {
		b.WriteString(h.Name)
		b.WriteString(": ")
		b.WriteString(h.Value)
		b.WriteString("\r\n")
	}
	return b.String(), true
}

// The packed layout's version (see verify-packed in wit/webhooks.wit).
const packedVersion = 1

// packedHead is layout 1's head for scheme and secrets (what prepare-packed
// answers for a Verifier, unprepared): the version, the scheme, the secrets.
func packedHead(scheme Scheme, secrets []string) []byte {
	out := []byte{packedVersion, schemeIndex(scheme)}
	if h, ok := scheme.(SchemeHMAC); ok {
		out = append(out, byte(h.Value.Algorithm), byte(h.Value.Encoding))
		out = appendText(out, h.Value.Header)
		if h.Value.Prefix == nil {
			out = append(out, 0)
		} else {
			out = appendText(append(out, 1), *h.Value.Prefix)
		}
	}
	out = binary.LittleEndian.AppendUint32(out, uint32(len(secrets)))
	for _, s := range secrets {
		out = appendText(out, s)
	}
	return out
}

// packDelivery is head followed by the delivery: the field block, the body (its
// case, text or bytes, then its bytes), the url, now and the tolerance. Handlers
// pass the raw body as bytes; the golden buffers have text bodies too.
func packDelivery(head []byte, block string, bodyCase byte, body []byte, url *string, now int64, tolerance *uint32) []byte {
	size := len(head) + 4 + len(block) + 1 + 4 + len(body) + 5 + 8 + 5
	if url != nil {
		size += len(*url)
	}
	out := make([]byte, 0, size)
	out = append(out, head...)
	out = appendText(out, block)
	out = append(out, bodyCase)
	out = binary.LittleEndian.AppendUint32(out, uint32(len(body)))
	out = append(out, body...)
	if url == nil {
		out = append(out, 0)
	} else {
		out = appendText(append(out, 1), *url)
	}
	out = binary.LittleEndian.AppendUint64(out, uint64(now))
	if tolerance == nil {
		out = append(out, 0)
	} else {
		out = binary.LittleEndian.AppendUint32(append(out, 1), *tolerance)
	}
	return out
}

func appendText(out []byte, s string) []byte {
	out = binary.LittleEndian.AppendUint32(out, uint32(len(s)))
	return append(out, s...)
}

func validUTF8(s string) bool { return utf8.ValidString(s) }

// schemeIndex is the scheme's case index (WIT order), as the packed layout writes it.
func schemeIndex(scheme Scheme) byte { return byte(caseScheme(scheme)) }

// bodyBytesCase and bodyTextCase are the case indices of body.bytes and body.text.
var (
	bodyBytesCase = byte(caseBody(BodyBytes{}))
	bodyTextCase  = byte(caseBody(BodyText{}))
)
