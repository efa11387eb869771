// The net/http middleware (hand-written): Verifier.Middleware reads the raw
// body itself, capped, verifies it and hands the handler a Delivery, so the
// raw-body mistake (verifying a body a JSON parser already read) cannot happen
// silently.

package paywit

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"math"
	"net/http"
)

// defaultMaxBytes is MiddlewareOptions.MaxBytes's default: 16 MiB, the
// component's body-bytes limit.
const defaultMaxBytes = 16 << 20

// MiddlewareOptions are the optional parts of a Verifier's Middleware. The zero
// value (or a nil *MiddlewareOptions) caps bodies at 16 MiB, uses the scheme's
// own tolerance and passes no URL.
type MiddlewareOptions struct {
	// MaxBytes caps the request body: a Content-Length over it is answered 413
	// before anything is read, and a body of unknown length (chunked) is answered
	// 413 as soon as it passes it. Zero means 16 MiB; a value over the
	// component's body-bytes limit (16 MiB) is that limit.
	MaxBytes int64
	// ToleranceSeconds replaces the scheme's replay window (nil: the scheme's default).
	ToleranceSeconds *uint32
	// URL, when set, gives the full URL the delivery was sent to, for schemes
	// that sign it (Square). Behind a proxy that is the public URL the gateway
	// was configured with, usually a constant, not one rebuilt from r. Nil
	// passes no URL.
	URL func(r *http.Request) string
	// OnError, when set, receives why a request was refused, for logging: the
	// verification error (a VerifyError such as *VerifyNoMatchingSignatureError;
	// paywit's errors never contain a secret), an *http.MaxBytesError,
	// ErrBodyAlreadyRead, or the error reading the body. It runs before the
	// answer is written and must not write to the response. A 405 (a method
	// other than POST) is not reported.
	OnError func(r *http.Request, err error)
}

// A Delivery is a verified webhook delivery, as Middleware hands it to its handler.
type Delivery struct {
	// Verified is what verification found: the secret that matched
	// (SecretIndex), the message id (MessageID, for Standard Webhooks) and the
	// signed timestamp (SignedAt), for schemes that sign them.
	Verified
	// Body is the raw body exactly as received and verified.
	Body []byte
}

// JSON decodes the body into v (as json.Unmarshal), such as a struct with the
// event's id and type. It parses on each call, and only when called: a handler
// that needs only MessageID pays nothing, and a form-encoded body (Slack) is
// never parsed as JSON.
func (d *Delivery) JSON(v any) error { return json.Unmarshal(d.Body, v) }

// ErrBodyAlreadyRead is a request whose body something read before
// Middleware did (a body parser or logging middleware mounted in front of it),
// so the bytes the gateway signed are gone. Middleware answers it 500 with this
// message, which names the fix, instead of a 401 that would look like a bad
// secret, and logs it (slog's default logger) unless OnError is set.
var ErrBodyAlreadyRead Error = &middlewareError{
	code: "body-already-read",
	text: "paywit: the request body was read before paywit's middleware: mount paywit's handler before any body parser, or give it the raw body",
}

type middlewareError struct{ code, text string }

// Error is the message, which names the fix.
func (e *middlewareError) Error() string { return e.text }

// Code is the error's name, such as "body-already-read".
func (e *middlewareError) Code() string { return e.code }

// Middleware is an http.Handler that verifies each delivery before handle sees
// it:
//
//	mux.Handle("POST /webhooks/stripe", verifier.Middleware(func(w http.ResponseWriter, r *http.Request, d *paywit.Delivery) {
//		...
//	}, nil))
//
// It answers a method other than POST 405 (with Allow: POST), a body over
// MaxBytes 413, and a delivery that does not verify 401 with an empty body,
// and never calls handle for any of them. It reads the raw body itself, so it
// must come before anything that reads the body: when something already has
// (r.Body empty or closed while the request declared a body) it answers 500
// with ErrBodyAlreadyRead's message rather than a 401. handle is called once
// per verified delivery, with r's body readable again (the same bytes as
// d.Body) and the response its to write (200 unless it says otherwise). It
// panics when v did not come from NewVerifier or handle is nil, at mount time.
func (v *Verifier) Middleware(handle func(w http.ResponseWriter, r *http.Request, d *Delivery), opts *MiddlewareOptions) http.Handler {
	if v == nil || v.state == nil {
		panic("paywit: Middleware on a Verifier that did not come from NewVerifier")
	}
	if handle == nil {
		panic("paywit: Middleware with a nil handler")
	}
	m := &middleware{verifier: v, handle: handle, maxBytes: maxBodyBytes(0)}
	if opts != nil {
		m.maxBytes = maxBodyBytes(opts.MaxBytes)
		m.tolerance = opts.ToleranceSeconds
		m.url = opts.URL
		m.onError = opts.OnError
	}
	return m
}

// maxBodyBytes is MaxBytes as used: the default for zero or less, at most the
// component's body-bytes limit.
func maxBodyBytes(n int64) int64 {
	if n <= 0 {
		n = defaultMaxBytes
	}
	if l := limit("body-bytes"); l < math.MaxInt64 && n > int64(l) {
		n = int64(l)
	}
	return n
}

type middleware struct {
	verifier  *Verifier
	handle    func(http.ResponseWriter, *http.Request, *Delivery)
	maxBytes  int64
	tolerance *uint32
	url       func(*http.Request) string
	onError   func(*http.Request, error)
}

// ServeHTTP answers one request: see Verifier.Middleware.
func (m *middleware) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		w.WriteHeader(http.StatusMethodNotAllowed)
		return
	}
	if r.ContentLength > m.maxBytes {
		// Nothing is read; the connection is closed rather than drained.
		w.Header().Set("Connection", "close")
		m.refuse(w, r, http.StatusRequestEntityTooLarge, &http.MaxBytesError{Limit: m.maxBytes})
		return
	}
	// A request that declared a body (a length, or an unknown one) but whose
	// Body is gone was read, or replaced, in front of us.
	if r.ContentLength != 0 && (r.Body == nil || r.Body == http.NoBody) {
		m.refuse(w, r, http.StatusInternalServerError, ErrBodyAlreadyRead)
		return
	}
	body, err := readBody(w, r, m.maxBytes)
	if err != nil {
		var tooLarge *http.MaxBytesError
		switch {
		case errors.As(err, &tooLarge):
			m.refuse(w, r, http.StatusRequestEntityTooLarge, err)
		case errors.Is(err, http.ErrBodyReadAfterClose):
			m.refuse(w, r, http.StatusInternalServerError, ErrBodyAlreadyRead)
		default: // the client went away, or sent a malformed body
			m.refuse(w, r, http.StatusBadRequest, err)
		}
		return
	}
	// Fewer bytes than Content-Length with a clean end: net/http reports a short
	// body as io.ErrUnexpectedEOF, so something read (part of) it before us.
	if r.ContentLength > 0 && int64(len(body)) < r.ContentLength {
		m.refuse(w, r, http.StatusInternalServerError, ErrBodyAlreadyRead)
		return
	}
	opts := &WebhookOptions{ToleranceSeconds: m.tolerance}
	if m.url != nil {
		opts.URL = m.url(r)
	}
	verified, err := m.verifier.Verify(r.Header, body, opts)
	if err != nil {
		var fault *GuestFault
		var overLimit *VerifyLimitExceededError
		switch {
		case len(body) == 0 && r.ContentLength < 0:
			// A body of unknown length (chunked) that read empty and does not
			// verify: a gateway sends no empty chunked body, a parser in front does.
			m.refuse(w, r, http.StatusInternalServerError, ErrBodyAlreadyRead)
		case errors.As(err, &fault):
			m.refuse(w, r, http.StatusInternalServerError, err)
		case errors.As(err, &overLimit) && overLimit.Details.What == LimitBodyBytes:
			m.refuse(w, r, http.StatusRequestEntityTooLarge, err)
		default:
			m.refuse(w, r, http.StatusUnauthorized, err)
		}
		return
	}
	// The handler gets a request whose body reads again, without changing r.
	r2 := new(http.Request)
	*r2 = *r
	r2.Body = io.NopCloser(bytes.NewReader(body))
	m.handle(w, r2, &Delivery{Verified: verified, Body: body})
}

// readBody reads r's whole body, at most max bytes (an *http.MaxBytesError past it).
func readBody(w http.ResponseWriter, r *http.Request, max int64) ([]byte, error) {
	if r.Body == nil || r.Body == http.NoBody {
		return []byte{}, nil
	}
	var buf bytes.Buffer
	if r.ContentLength > 0 {
		buf.Grow(int(r.ContentLength) + bytes.MinRead) // one allocation for the whole body
	}
	_, err := buf.ReadFrom(http.MaxBytesReader(w, r.Body, max))
	return buf.Bytes(), err
}

// refuse answers status: an empty body, but for ErrBodyAlreadyRead its message,
// which names the fix (a misconfiguration that gateways' delivery logs show).
func (m *middleware) refuse(w http.ResponseWriter, r *http.Request, status int, err error) {
	if m.onError != nil {
		m.onError(r, err)
	} else if err == ErrBodyAlreadyRead {
		slog.Default().ErrorContext(r.Context(), err.Error(), "method", r.Method, "path", r.URL.Path)
	}
	if err == ErrBodyAlreadyRead {
		http.Error(w, err.Error(), status)
		return
	}
	w.WriteHeader(status)
}
