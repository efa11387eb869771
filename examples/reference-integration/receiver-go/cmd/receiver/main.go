// Command receiver is a webhook receiver that follows the integration guide, on
// net/http and the paywit Go package: it verifies the signature on the raw body
// (401), records the event id before processing (a duplicate gets 200 and is
// not processed again), persists and answers 200 at once; the worker (a
// separate process, cmd/worker) does the rest. It also takes orders: each gets
// its idempotency key, persisted with the order before any call to the
// gateway, which the worker makes.
//
//	PAYWIT_WEBHOOK_SECRET=whsec_... receiver --db receiver.sqlite --port 8003
package main

import (
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	paywit "github.com/paywit/paywit/packages/go"

	"github.com/paywit/paywit/examples/reference-integration/receiver-go/internal/store"
)

// scheme is the sandbox gateway's; the deliveries log keeps it per row.
const scheme = "standard-webhooks"

// The server's timeouts: a connection idle this long is dropped, and a
// request's headers and body must have arrived this long after it began
// (--request-deadline), however slowly they trickle in.
const (
	idleTimeout     = 30 * time.Second
	requestDeadline = 30 * time.Second
)

// secretVariable is the environment variable that passes the webhook secrets
// (comma-separated, newest first while rotating), the way to pass them: unlike
// --secret, it is not shown to other local users by ps. --secret, when given,
// is used instead.
const secretVariable = "PAYWIT_WEBHOOK_SECRET"

// secretsFromEnvironment is secretVariable's secrets (none when it is unset or empty).
func secretsFromEnvironment() secrets {
	var keys secrets
	for _, key := range strings.Split(os.Getenv(secretVariable), ",") {
		if key = strings.TrimSpace(key); key != "" {
			keys = append(keys, key)
		}
	}
	return keys
}

// secrets is the repeatable --secret flag (newest first while rotating).
type secrets []string

func (s *secrets) String() string     { return fmt.Sprintf("%d secrets", len(*s)) }
func (s *secrets) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	log.SetFlags(0)
	db := flag.String("db", "receiver.sqlite", "a SQLite file, or a postgresql:// URL")
	port := flag.Int("port", 8003, "the port to listen on (127.0.0.1)")
	var keys secrets
	flag.Var(&keys, "secret", "webhook secret (repeat for rotation); prefer the environment variable "+secretVariable+
		" (comma-separated, newest first): a command line is visible to every local user (ps)")
	pause := flag.Float64("pause-before-answer", 0, "chaos test hook: seconds to sleep after recording a new event, before answering 200")
	deadline := flag.Float64("request-deadline", requestDeadline.Seconds(),
		"seconds a request's headers and body may take to arrive (then the connection is closed)")
	flag.Parse()
	if len(keys) == 0 {
		keys = secretsFromEnvironment()
	}
	if len(keys) == 0 {
		log.Fatalf("receiver: a webhook secret is required: set %s (or pass --secret)", secretVariable)
	}

	st, err := store.Open(*db)
	if err != nil {
		log.Fatalf("receiver: opening the store: %v", err)
	}
	verifier, err := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, keys...)
	if err != nil {
		log.Fatalf("receiver: the secrets: %v", err)
	}
	r := &receiver{store: st, recorder: newRecorder(st), verifier: verifier, pauseBeforeAnswer: seconds(*pause)}
	readTimeout := seconds(*deadline)
	server := &http.Server{
		Addr:              fmt.Sprintf("127.0.0.1:%d", *port),
		Handler:           r,
		ReadHeaderTimeout: readTimeout,
		ReadTimeout:       readTimeout, // the whole request, headers and body
		WriteTimeout:      readTimeout + 30*time.Second + r.pauseBeforeAnswer,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          log.New(os.Stderr, "receiver: http: ", 0),
	}
	fmt.Printf("receiver: listening on http://%s\n", server.Addr)
	log.Fatal(strings.TrimSpace(fmt.Sprint("receiver: ", server.ListenAndServe())))
}

// seconds is a flag's seconds as a duration.
func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
