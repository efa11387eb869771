package paywit_test

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
)

const (
	mwSecretNew = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	mwSecretOld = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD"
	mwBody      = `{"id":"evt_1","type":"payment.succeeded"}`
)

// recorder is the handler under the middleware: it keeps what it was called with.
type recorder struct {
	mu         sync.Mutex
	deliveries []*paywit.Delivery
	events     []map[string]any
	reread     [][]byte
}

func (h *recorder) handle(w http.ResponseWriter, r *http.Request, d *paywit.Delivery) {
	var event map[string]any
	if err := d.JSON(&event); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	again, _ := io.ReadAll(r.Body)
	h.mu.Lock()
	h.deliveries = append(h.deliveries, d)
	h.events = append(h.events, event)
	h.reread = append(h.reread, again)
	h.mu.Unlock()
	w.WriteHeader(http.StatusNoContent)
}

func (h *recorder) calls() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return len(h.deliveries)
}

// errorLog is an OnError hook that keeps the errors it receives.
type errorLog struct {
	mu   sync.Mutex
	errs []error
}

func (l *errorLog) onError(_ *http.Request, err error) {
	l.mu.Lock()
	l.errs = append(l.errs, err)
	l.mu.Unlock()
}

func (l *errorLog) last() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.errs) == 0 {
		return nil
	}
	return l.errs[len(l.errs)-1]
}

// mwServer is a loopback server with the middleware mounted at /hook behind
// front (nil: nothing in front), over a Verifier holding the new and old secrets.
func mwServer(t *testing.T, front func(http.Handler) http.Handler, opts *paywit.MiddlewareOptions) (*httptest.Server, *recorder, *errorLog) {
	t.Helper()
	verifier, err := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, mwSecretNew, mwSecretOld)
	if err != nil {
		t.Fatal(err)
	}
	h, log := &recorder{}, &errorLog{}
	if opts == nil {
		opts = &paywit.MiddlewareOptions{}
	}
	opts.OnError = log.onError
	var handler http.Handler = verifier.Middleware(h.handle, opts)
	if front != nil {
		handler = front(handler)
	}
	mux := http.NewServeMux()
	mux.Handle("/hook", handler)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, h, log
}

// signed is a Standard Webhooks delivery of body, signed with secret at signedAt.
func signed(t *testing.T, secret, id string, body []byte, signedAt time.Time) http.Header {
	t.Helper()
	header, err := paywit.SignWebhook(paywit.SchemeStandardWebhooks{}, secret, body, &paywit.SignOptions{ID: id, SignedAt: signedAt})
	if err != nil {
		t.Fatal(err)
	}
	return header
}

func post(t *testing.T, url string, header http.Header, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, body)
	if err != nil {
		t.Fatal(err)
	}
	for name, values := range header {
		req.Header[name] = values
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, got
}

func TestMiddlewareValidDelivery(t *testing.T) {
	srv, h, log := mwServer(t, nil, nil)
	now := time.Now()
	resp, _ := post(t, srv.URL+"/hook", signed(t, mwSecretNew, "msg_valid", []byte(mwBody), now), strings.NewReader(mwBody))
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d, want 204 (OnError got %v)", resp.StatusCode, log.last())
	}
	if h.calls() != 1 {
		t.Fatalf("handler called %d times, want once", h.calls())
	}
	d := h.deliveries[0]
	if d.MessageID == nil || *d.MessageID != "msg_valid" {
		t.Errorf("MessageID %v, want msg_valid", d.MessageID)
	}
	if d.SignedAt == nil || *d.SignedAt != now.Unix() {
		t.Errorf("SignedAt %v, want %d", d.SignedAt, now.Unix())
	}
	if d.SecretIndex != 0 {
		t.Errorf("SecretIndex %d, want 0", d.SecretIndex)
	}
	if string(d.Body) != mwBody {
		t.Errorf("Body %q, want %q", d.Body, mwBody)
	}
	if h.events[0]["id"] != "evt_1" || h.events[0]["type"] != "payment.succeeded" {
		t.Errorf("parsed JSON %v", h.events[0])
	}
	if string(h.reread[0]) != mwBody {
		t.Errorf("the handler's r.Body read %q, want the raw body again", h.reread[0])
	}
}

// A delivery signed with the old secret (second in the rotation list) verifies
// with SecretIndex 1; a chunked body (no Content-Length) verifies too.
func TestMiddlewareRotation(t *testing.T) {
	srv, h, log := mwServer(t, nil, nil)
	header := signed(t, mwSecretOld, "msg_old", []byte(mwBody), time.Now())
	resp, _ := post(t, srv.URL+"/hook", header, io.MultiReader(strings.NewReader(mwBody))) // unknown length: chunked
	if resp.StatusCode != http.StatusNoContent {
		t.Fatalf("status %d, want 204 (OnError got %v)", resp.StatusCode, log.last())
	}
	if h.calls() != 1 || h.deliveries[0].SecretIndex != 1 || *h.deliveries[0].MessageID != "msg_old" {
		t.Fatalf("calls %d, delivery %+v: want one, SecretIndex 1", h.calls(), h.deliveries)
	}
}

func TestMiddlewareRefusesWithEmpty401(t *testing.T) {
	cases := []struct {
		name   string
		header func(t *testing.T) http.Header
		body   string
		want   any
	}{
		{"tampered body", func(t *testing.T) http.Header {
			return signed(t, mwSecretNew, "msg_t", []byte(mwBody), time.Now())
		}, strings.Replace(mwBody, "evt_1", "evt_2", 1), new(*paywit.VerifyNoMatchingSignatureError)},
		{"stale timestamp", func(t *testing.T) http.Header {
			return signed(t, mwSecretNew, "msg_s", []byte(mwBody), time.Now().Add(-time.Hour))
		}, mwBody, new(*paywit.VerifyTimestampOutsideToleranceError)},
		{"unknown secret", func(t *testing.T) http.Header {
			return signed(t, "whsec_dGhpcyBpcyBub3QgYSBrbm93biBzZWNyZXQ=", "msg_u", []byte(mwBody), time.Now())
		}, mwBody, new(*paywit.VerifyNoMatchingSignatureError)},
		{"no signature", func(t *testing.T) http.Header { return http.Header{} }, mwBody, new(*paywit.VerifyMissingHeaderError)},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			srv, h, log := mwServer(t, nil, nil)
			resp, got := post(t, srv.URL+"/hook", c.header(t), strings.NewReader(c.body))
			if resp.StatusCode != http.StatusUnauthorized || len(got) != 0 {
				t.Fatalf("status %d body %q, want 401 and an empty body", resp.StatusCode, got)
			}
			if h.calls() != 0 {
				t.Fatal("handler called for a refused delivery")
			}
			err := log.last()
			if !errors.As(err, c.want) {
				t.Fatalf("OnError got %T %v, want %T", err, err, c.want)
			}
			for _, s := range []string{mwSecretNew, mwSecretOld, strings.TrimPrefix(mwSecretNew, "whsec_")} {
				if strings.Contains(fmt.Sprintf("%v %+v %#v", err, err, err), s) {
					t.Fatal("the error shows a secret")
				}
			}
		})
	}
}

func TestMiddlewareMethodNotAllowed(t *testing.T) {
	srv, h, _ := mwServer(t, nil, nil)
	for _, method := range []string{http.MethodGet, http.MethodPut, http.MethodHead} {
		req, _ := http.NewRequest(method, srv.URL+"/hook", nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "POST" {
			t.Errorf("%s: status %d Allow %q, want 405 and Allow: POST", method, resp.StatusCode, resp.Header.Get("Allow"))
		}
	}
	if h.calls() != 0 {
		t.Fatal("handler called")
	}
}

// countingBody counts the bytes read from a request body.
type countingBody struct {
	io.ReadCloser
	n *atomic.Int64
}

func (c countingBody) Read(p []byte) (int, error) {
	n, err := c.ReadCloser.Read(p)
	c.n.Add(int64(n))
	return n, err
}

func counting(n *atomic.Int64) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			r.Body = countingBody{r.Body, n}
			next.ServeHTTP(w, r)
		})
	}
}

// rawExchange sends request (bytes as written) on a fresh connection and reads one response.
func rawExchange(t *testing.T, srv *httptest.Server, request string) *http.Response {
	t.Helper()
	conn, err := net.Dial("tcp", srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	conn.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(conn, request); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	return resp
}

// A Content-Length over the default cap (16 MiB) is answered 413 from the
// headers alone: the client sends no body, and not one byte is read.
func TestMiddlewareContentLengthOverCap(t *testing.T) {
	var read atomic.Int64
	srv, h, log := mwServer(t, counting(&read), nil)
	header := signed(t, mwSecretNew, "msg_big", []byte(mwBody), time.Now())
	var b strings.Builder
	fmt.Fprintf(&b, "POST /hook HTTP/1.1\r\nHost: paywit.test\r\nContent-Length: %d\r\n", 16<<20+1)
	for name, values := range header {
		fmt.Fprintf(&b, "%s: %s\r\n", name, values[0])
	}
	b.WriteString("\r\n") // and no body at all
	resp := rawExchange(t, srv, b.String())
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if n := read.Load(); n != 0 {
		t.Fatalf("the middleware read %d body bytes, want none", n)
	}
	var tooLarge *http.MaxBytesError
	if !errors.As(log.last(), &tooLarge) || tooLarge.Limit != 16<<20 {
		t.Fatalf("OnError got %v, want an *http.MaxBytesError with Limit 16 MiB", log.last())
	}
	if h.calls() != 0 {
		t.Fatal("handler called")
	}
}

// A chunked body is answered 413 once it passes MaxBytes, while the client is
// still sending: the server reads about the cap, not the body.
func TestMiddlewareChunkedOverCap(t *testing.T) {
	const max = 4096
	var read atomic.Int64
	srv, h, log := mwServer(t, counting(&read), &paywit.MiddlewareOptions{MaxBytes: max})
	var b strings.Builder
	b.WriteString("POST /hook HTTP/1.1\r\nHost: paywit.test\r\nTransfer-Encoding: chunked\r\n\r\n")
	chunk := strings.Repeat("x", 1024)
	for range 6 { // 6 KiB, and no last chunk: the body never ends
		fmt.Fprintf(&b, "%x\r\n%s\r\n", len(chunk), chunk)
	}
	resp := rawExchange(t, srv, b.String())
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if n := read.Load(); n > max+1024 {
		t.Fatalf("the middleware read %d body bytes, want about %d", n, max)
	}
	var tooLarge *http.MaxBytesError
	if !errors.As(log.last(), &tooLarge) || tooLarge.Limit != max {
		t.Fatalf("OnError got %v, want an *http.MaxBytesError with Limit %d", log.last(), max)
	}
	if h.calls() != 0 {
		t.Fatal("handler called")
	}
}

// Whatever a body parser in front does with the body (read it, read and close
// it, replace it with http.NoBody, read part of it), the answer is a 500 that
// names the fix, never a 401, and the handler is not called.
func TestMiddlewareBodyReadInFront(t *testing.T) {
	fronts := map[string]func(r *http.Request){
		"read":           func(r *http.Request) { io.ReadAll(r.Body) },
		"read and close": func(r *http.Request) { io.ReadAll(r.Body); r.Body.Close() },
		"no body":        func(r *http.Request) { io.ReadAll(r.Body); r.Body = http.NoBody },
		"empty reader":   func(r *http.Request) { io.ReadAll(r.Body); r.Body = io.NopCloser(strings.NewReader("")) },
		"read partly":    func(r *http.Request) { r.Body.Read(make([]byte, 8)) },
	}
	for name, parse := range fronts {
		for _, chunked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/chunked=%v", name, chunked), func(t *testing.T) {
				front := func(next http.Handler) http.Handler {
					return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
						parse(r)
						next.ServeHTTP(w, r)
					})
				}
				srv, h, log := mwServer(t, front, nil)
				var body io.Reader = strings.NewReader(mwBody)
				if chunked {
					body = io.MultiReader(body)
				}
				resp, got := post(t, srv.URL+"/hook", signed(t, mwSecretNew, "msg_p", []byte(mwBody), time.Now()), body)
				if chunked && name == "read partly" {
					// What is left is a body of unknown length that does not verify:
					// nothing tells it from a forgery, so it is a 401.
					if resp.StatusCode != http.StatusUnauthorized || h.calls() != 0 {
						t.Fatalf("status %d calls %d, want 401 and none", resp.StatusCode, h.calls())
					}
					return
				}
				if resp.StatusCode != http.StatusInternalServerError {
					t.Fatalf("status %d, want 500 (OnError got %v)", resp.StatusCode, log.last())
				}
				want := "mount paywit's handler before any body parser, or give it the raw body"
				if !strings.Contains(string(got), want) || !strings.Contains(string(got), "read before paywit's middleware") {
					t.Fatalf("body %q does not name the fix", got)
				}
				if !errors.Is(log.last(), paywit.ErrBodyAlreadyRead) {
					t.Fatalf("OnError got %v, want ErrBodyAlreadyRead", log.last())
				}
				if h.calls() != 0 {
					t.Fatal("handler called")
				}
			})
		}
	}
}

// A middleware in front that reads the body and puts the same bytes back (the
// way to log a body) is fine.
func TestMiddlewareBodyReadAndRestoredInFront(t *testing.T) {
	front := func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			r.Body = io.NopCloser(bytes.NewReader(body))
			next.ServeHTTP(w, r)
		})
	}
	srv, h, log := mwServer(t, front, nil)
	resp, _ := post(t, srv.URL+"/hook", signed(t, mwSecretNew, "msg_r", []byte(mwBody), time.Now()), strings.NewReader(mwBody))
	if resp.StatusCode != http.StatusNoContent || h.calls() != 1 {
		t.Fatalf("status %d calls %d, want 204 and one call (OnError got %v)", resp.StatusCode, h.calls(), log.last())
	}
}

// With no OnError, ErrBodyAlreadyRead is logged (slog's default logger); a
// refused signature is not.
func TestMiddlewareLogsOnlyTheMisconfiguration(t *testing.T) {
	verifier, err := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, mwSecretNew)
	if err != nil {
		t.Fatal(err)
	}
	handler := verifier.Middleware(func(http.ResponseWriter, *http.Request, *paywit.Delivery) { t.Error("handler called") }, nil)
	var logged bytes.Buffer
	var mu sync.Mutex
	restore := captureDefaultLog(&mu, &logged)
	defer restore()

	w := httptest.NewRecorder()
	handler.ServeHTTP(w, httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(mwBody)))
	if w.Code != http.StatusUnauthorized {
		t.Fatalf("status %d, want 401", w.Code)
	}
	mu.Lock()
	if logged.Len() != 0 {
		t.Fatalf("a 401 logged %q", logged.String())
	}
	mu.Unlock()

	r := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(mwBody))
	io.ReadAll(r.Body)
	w = httptest.NewRecorder()
	handler.ServeHTTP(w, r)
	if w.Code != http.StatusInternalServerError {
		t.Fatalf("status %d, want 500", w.Code)
	}
	mu.Lock()
	defer mu.Unlock()
	if !strings.Contains(logged.String(), "mount paywit's handler before any body parser") {
		t.Fatalf("logged %q, want the fix", logged.String())
	}
	if strings.Contains(logged.String(), strings.TrimPrefix(mwSecretNew, "whsec_")) {
		t.Fatal("the log shows a secret")
	}
}

// A URL option is passed to the scheme: Square signs the URL.
func TestMiddlewareURL(t *testing.T) {
	const secret = "square_signature_key_0123456789"
	const url = "https://shop.example/webhooks/square"
	verifier, err := paywit.NewVerifier(paywit.SchemeSquare{}, secret)
	if err != nil {
		t.Fatal(err)
	}
	header, err := paywit.SignWebhook(paywit.SchemeSquare{}, secret, []byte(mwBody), &paywit.SignOptions{URL: url})
	if err != nil {
		t.Fatal(err)
	}
	calls := 0
	handle := func(w http.ResponseWriter, r *http.Request, d *paywit.Delivery) { calls++ }
	for _, c := range []struct {
		opts *paywit.MiddlewareOptions
		want int
	}{
		{&paywit.MiddlewareOptions{URL: func(*http.Request) string { return url }}, http.StatusOK},
		{&paywit.MiddlewareOptions{URL: func(*http.Request) string { return url + "x" }}, http.StatusUnauthorized},
		{nil, http.StatusUnauthorized},
	} {
		r := httptest.NewRequest(http.MethodPost, "/webhooks/square", strings.NewReader(mwBody))
		r.Header = header.Clone()
		w := httptest.NewRecorder()
		verifier.Middleware(handle, c.opts).ServeHTTP(w, r)
		if w.Code != c.want {
			t.Errorf("status %d, want %d", w.Code, c.want)
		}
	}
	if calls != 1 {
		t.Fatalf("handler called %d times, want once", calls)
	}
}

func TestMiddlewarePanicsOnAMisuseAtMount(t *testing.T) {
	verifier, err := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, mwSecretNew)
	if err != nil {
		t.Fatal(err)
	}
	for name, mount := range map[string]func(){
		"nil handler": func() { verifier.Middleware(nil, nil) },
		"nil verifier": func() {
			(*paywit.Verifier)(nil).Middleware(func(http.ResponseWriter, *http.Request, *paywit.Delivery) {}, nil)
		},
		"zero verifier": func() {
			new(paywit.Verifier).Middleware(func(http.ResponseWriter, *http.Request, *paywit.Delivery) {}, nil)
		},
	} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("%s: no panic", name)
				}
			}()
			mount()
		}()
	}
}

// Mount a handler with net/http's ServeMux: the Verifier reads, caps and
// verifies the raw body, and the handler gets the verified delivery (records
// the message id first, then decodes the event).
func ExampleVerifier_Middleware() {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" // os.Getenv("WEBHOOK_SECRET")
	verifier, err := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, secret)
	if err != nil {
		panic(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/webhooks", verifier.Middleware(func(w http.ResponseWriter, r *http.Request, d *paywit.Delivery) {
		fmt.Println("record", *d.MessageID) // before processing: a retry is a duplicate
		var event struct{ Type string }
		if err := d.JSON(&event); err != nil {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		fmt.Println("process", event.Type)
	}, nil))

	// A gateway's delivery, then the same body tampered with.
	body := `{"type":"payment.succeeded"}`
	header, _ := paywit.SignWebhook(paywit.SchemeStandardWebhooks{}, secret, []byte(body), &paywit.SignOptions{ID: "msg_2Kx", SignedAt: time.Now()})
	for _, b := range []string{body, strings.Replace(body, "succeeded", "refunded", 1)} {
		r := httptest.NewRequest(http.MethodPost, "/webhooks", strings.NewReader(b))
		r.Header = header
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, r)
		fmt.Println("status", w.Code)
	}
	// Output:
	// record msg_2Kx
	// process payment.succeeded
	// status 200
	// status 401
}

// lockedWriter is a writer safe for the server's goroutines.
type lockedWriter struct {
	mu *sync.Mutex
	w  io.Writer
}

func (l lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}

// captureDefaultLog sends slog's default logger to w until the returned func runs.
func captureDefaultLog(mu *sync.Mutex, w io.Writer) func() {
	old := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(lockedWriter{mu, w}, nil)))
	return func() { slog.SetDefault(old) }
}
