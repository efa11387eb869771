package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"net/http"
	"os"
	"runtime/debug"
	"strconv"
	"time"

	paywit "github.com/paywit/paywit/packages/go"

	"github.com/paywit/paywit/examples/reference-integration/receiver-go/internal/store"
)

// maxBodyBytes is the most body a request may have: paywit's verify limit
// (paywit::limits::MAX_BODY_BYTES, the "body-bytes" of paywit's abi.json), as
// verify would refuse a larger one anyway. A larger Content-Length is answered
// 413 before any of the body is read, and a body without one (chunked) is not
// read past it (http.MaxBytesReader): 413 as soon as it is over.
const maxBodyBytes = 16 << 20

// receiver answers POST /webhooks and POST /orders.
type receiver struct {
	store             *store.Store
	recorder          *recorder // commits the deliveries (the store's one writer of them)
	verifier          *paywit.Verifier
	pauseBeforeAnswer time.Duration
}

// refused is a request answered with an error status, before or instead of
// doing anything (a fault of the request's).
type refused struct {
	status  int
	message string
}

func (r *refused) Error() string { return r.message }

// ServeHTTP answers any request: a fault of the request's is its 4xx; anything
// else (an error or a panic) is logged and answered 500, and the server goes on
// (no request stops the receiver).
func (rc *receiver) ServeHTTP(rw http.ResponseWriter, r *http.Request) {
	started := time.Now()
	w := &answering{ResponseWriter: rw}
	read := false // the whole body was read: the connection may be reused
	fail := func(format string, args ...any) {
		log.Printf("receiver: %s %s failed: "+format, append([]any{r.Method, r.URL.Path}, args...)...)
		if !w.answered { // an answer already sent stays sent
			answer(w, http.StatusInternalServerError, map[string]string{"error": "internal error"}, true)
		}
	}
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			fail("panic: %v\n%s", p, debug.Stack())
		}
	}()
	err := func() error {
		raw, err := body(rw, r) // rw itself: MaxBytesReader marks it to close the connection
		if err != nil {
			return err
		}
		read = true
		switch {
		case r.Method == http.MethodPost && r.URL.Path == "/webhooks":
			return rc.webhook(w, r, raw, started)
		case r.Method == http.MethodPost && r.URL.Path == "/orders":
			return rc.order(w, raw)
		default:
			answer(w, http.StatusNotFound, map[string]string{"error": "not found"}, false)
			return nil
		}
	}()
	var refusal *refused
	switch {
	case err == nil:
	case errors.As(err, &refusal) && !w.answered:
		answer(w, refusal.status, map[string]string{"error": refusal.message}, !read)
	default:
		fail("%v", err)
	}
}

// answering is a ResponseWriter that knows whether an answer was sent.
type answering struct {
	http.ResponseWriter
	answered bool
}

// WriteHeader sends the answer's status and headers.
func (a *answering) WriteHeader(status int) {
	a.answered = true
	a.ResponseWriter.WriteHeader(status)
}

// body is the request's whole body, never more than maxBodyBytes of it: a
// larger Content-Length is refused (413) before any of it is read, a chunked
// body as soon as it is over. (net/http itself answers 400 to a malformed
// Content-Length; a request with neither a length nor chunked coding has an
// empty body.)
func body(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if r.ContentLength > maxBodyBytes {
		return nil, &refused{http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", maxBodyBytes)}
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		return nil, &refused{http.StatusRequestEntityTooLarge, fmt.Sprintf("the body is over %d bytes", maxBodyBytes)}
	case os.IsTimeout(err):
		return nil, &refused{http.StatusRequestTimeout, "the body stalled"}
	case err != nil:
		return nil, &refused{http.StatusBadRequest, "the body ended before its Content-Length"}
	}
	return raw, nil
}

// answer writes a JSON answer; close: the rest of the request was not read,
// so the connection is not reused.
func answer(w http.ResponseWriter, status int, body any, close bool) {
	data, err := json.Marshal(body)
	if err != nil {
		data, status = []byte(`{"error":"internal error"}`), http.StatusInternalServerError
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(data)))
	if close {
		h.Set("Connection", "close")
	}
	w.WriteHeader(status)
	w.Write(data)
}
