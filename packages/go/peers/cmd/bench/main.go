// Command bench measures paywit's Go package against the Go webhook SDKs in one
// run and prints Markdown tables (`cargo xtask bench` writes them into
// BENCHMARKS.md): verification per delivery at bodies of 2 B, 1 KiB and 64 KiB
// (medians of interleaved rounds: each round times every contender once), and
// cold start (a new process, start to exit after its first verified delivery).
//
// The floor: Go's crypto/hmac over the same signed bytes (what any verifier
// spends natively, SHA-NI assembly where the CPU has it). Under each table, the
// cost per KiB of body (the slope from 1 KiB to 64 KiB): for paywit, what the
// wasm runtime spends hashing inside the component, its floor at large bodies.
package main

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"flag"
	"fmt"
	"log"
	"net/http"
	"os"
	"os/exec"
	"sort"
	"strconv"
	"strings"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
	standardwebhooks "github.com/standard-webhooks/standard-webhooks/libraries/go"
	"github.com/stripe/stripe-go/v82/webhook"
	svix "github.com/svix/svix-webhooks/go"
)

const (
	stripeSecret   = "whsec_benchmarkSecret0123456789abcdefABCDEF"
	standardSecret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	rounds         = 21
	coldRuns       = 11
)

func main() {
	cold := flag.String("coldstart", "", "internal: verify one delivery from the environment with this library, then exit")
	flag.Parse()
	if *cold != "" {
		coldChild(*cold)
		return
	}
	runtimeName, err := paywit.RuntimeName()
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("Go %s, paywit on %s; medians of %d interleaved rounds, ns per verification (ratio: to paywit's Verifier in the same table).\n\n",
		strings.TrimPrefix(runtimeVersion(), "go"), runtimeName, rounds)
	for _, scheme := range []string{"stripe", "standard-webhooks"} {
		fmt.Printf("| %s | 2 B | 1 KiB | 64 KiB |\n|---|---|---|---|\n", scheme)
		rows := map[string][]float64{}
		var order []string
		for _, n := range []int{2, 1 << 10, 64 << 10} {
			contenders := contendersFor(scheme, body(n))
			for _, c := range contenders {
				if len(rows[c.name]) == 0 {
					order = append(order, c.name)
				}
			}
			for name, ns := range measure(contenders) {
				rows[name] = append(rows[name], ns)
			}
		}
		base := rows[order[0]]
		for _, name := range order {
			cells := make([]string, len(rows[name]))
			for i, ns := range rows[name] {
				cells[i] = fmt.Sprintf("%s (%.2fx)", duration(ns), ns/base[i])
			}
			fmt.Printf("| %s | %s |\n", name, strings.Join(cells, " | "))
		}
		fmt.Println()
		slope := func(name string) float64 { return (rows[name][2] - rows[name][1]) / 63 }
		paywitSlope := slope(order[0])
		fmt.Printf("Per KiB of body (slope from 1 KiB to 64 KiB): paywit %s, crypto/hmac %s (%.1fx); at 64 KiB, %.0f%% of paywit's time is that per-KiB hashing.\n\n",
			duration(paywitSlope), duration(slope("floor: crypto/hmac (native)")), paywitSlope/slope("floor: crypto/hmac (native)"),
			100*paywitSlope*64/rows[order[0]][2])
	}
	coldStart()
}

type contender struct {
	name   string
	verify func() error
}

func body(n int) []byte {
	return []byte(strings.Repeat(`{"a":"payment.succeeded","n":1250}`, n/34+1))[:n]
}

func check(err error) {
	if err != nil {
		log.Fatal(err)
	}
}

func contendersFor(scheme string, body []byte) []contender {
	now := time.Now()
	if scheme == "stripe" {
		header, err := paywit.SignWebhook(paywit.SchemeStripe{}, stripeSecret, body, &paywit.SignOptions{SignedAt: now})
		check(err)
		verifier, err := paywit.NewVerifier(paywit.SchemeStripe{}, stripeSecret)
		check(err)
		mac := webhook.ComputeSignature(now, body, stripeSecret)
		return []contender{
			{"paywit Verifier.Verify", func() error { _, err := verifier.Verify(header, body, nil); return err }},
			{"paywit VerifyWebhook", func() error {
				_, err := paywit.VerifyWebhook(paywit.SchemeStripe{}, []string{stripeSecret}, header, body, nil)
				return err
			}},
			{"stripe-go webhook.ValidatePayload", func() error {
				return webhook.ValidatePayload(body, header.Get("Stripe-Signature"), stripeSecret)
			}},
			{"floor: crypto/hmac (native)", func() error {
				h := hmac.New(sha256.New, []byte(stripeSecret))
				h.Write(strconv.AppendInt(nil, now.Unix(), 10))
				h.Write([]byte("."))
				h.Write(body)
				if !hmac.Equal(h.Sum(nil), mac) {
					return fmt.Errorf("no match")
				}
				return nil
			}},
		}
	}
	header, err := paywit.SignWebhook(paywit.SchemeStandardWebhooks{}, standardSecret, body,
		&paywit.SignOptions{ID: "msg_2LJNO9Fv6D0y1U9bJQZbA8SkyVN", SignedAt: now})
	check(err)
	verifier, err := paywit.NewVerifier(paywit.SchemeStandardWebhooks{}, standardSecret)
	check(err)
	sw, err := standardwebhooks.NewWebhook(standardSecret)
	check(err)
	sv, err := svix.NewWebhook(standardSecret)
	check(err)
	key, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(standardSecret, "whsec_"))
	check(err)
	mac, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(header.Get("Webhook-Signature"), "v1,"))
	check(err)
	return []contender{
		{"paywit Verifier.Verify", func() error { _, err := verifier.Verify(header, body, nil); return err }},
		{"paywit VerifyWebhook", func() error {
			_, err := paywit.VerifyWebhook(paywit.SchemeStandardWebhooks{}, []string{standardSecret}, header, body, nil)
			return err
		}},
		{"standard-webhooks Webhook.Verify", func() error { return sw.Verify(body, header) }},
		{"svix Webhook.Verify", func() error { return sv.Verify(body, header) }},
		{"floor: crypto/hmac (native)", func() error {
			h := hmac.New(sha256.New, key)
			h.Write([]byte(header.Get("Webhook-Id") + "." + header.Get("Webhook-Timestamp") + "."))
			h.Write(body)
			if !hmac.Equal(h.Sum(nil), mac) {
				return fmt.Errorf("no match")
			}
			return nil
		}},
	}
}

// measure times every contender once per round, a batch sized to about 2 ms
// each, and returns each one's median ns per call.
func measure(contenders []contender) map[string]float64 {
	batch := make([]int, len(contenders))
	for i, c := range contenders {
		check(c.verify())
		n := 1
		for {
			start := time.Now()
			for k := 0; k < n; k++ {
				check(c.verify())
			}
			if time.Since(start) > 2*time.Millisecond || n > 1<<20 {
				break
			}
			n *= 2
		}
		batch[i] = n
	}
	samples := make([][]float64, len(contenders))
	for r := 0; r < rounds; r++ {
		for i, c := range contenders {
			start := time.Now()
			for k := 0; k < batch[i]; k++ {
				if err := c.verify(); err != nil {
					log.Fatal(err)
				}
			}
			samples[i] = append(samples[i], float64(time.Since(start).Nanoseconds())/float64(batch[i]))
		}
	}
	out := map[string]float64{}
	for i, c := range contenders {
		out[c.name] = median(samples[i])
	}
	return out
}

func median(xs []float64) float64 {
	sort.Float64s(xs)
	return xs[len(xs)/2]
}

func duration(ns float64) string {
	if ns >= 1000 {
		return fmt.Sprintf("%.2f us", ns/1000)
	}
	return fmt.Sprintf("%.0f ns", ns)
}

// coldStart runs this program again per library, coldRuns times each,
// interleaved, and prints the median wall time from process start to exit after
// one verified delivery ("none": a Go process that only starts and exits).
func coldStart() {
	now := time.Now()
	b := body(1 << 10)
	stripeHeader, err := paywit.SignWebhook(paywit.SchemeStripe{}, stripeSecret, b, &paywit.SignOptions{SignedAt: now})
	check(err)
	swHeader, err := paywit.SignWebhook(paywit.SchemeStandardWebhooks{}, standardSecret, b, &paywit.SignOptions{ID: "msg_1", SignedAt: now})
	check(err)
	env := append(os.Environ(),
		"BENCH_STRIPE_SIGNATURE="+stripeHeader.Get("Stripe-Signature"),
		"BENCH_WEBHOOK_ID=msg_1",
		"BENCH_WEBHOOK_TIMESTAMP="+swHeader.Get("Webhook-Timestamp"),
		"BENCH_WEBHOOK_SIGNATURE="+swHeader.Get("Webhook-Signature"))
	libraries := []string{"none", "paywit (stripe)", "paywit (stripe), compilation cache off", "paywit (standard-webhooks)", "stripe-go", "standard-webhooks", "svix"}
	times := map[string][]float64{}
	for r := 0; r < coldRuns; r++ {
		for _, lib := range libraries {
			cmd := exec.Command(os.Args[0], "-coldstart", lib)
			cmd.Env = env
			if strings.HasSuffix(lib, "compilation cache off") {
				cmd.Env = append(env, "PAYWIT_CACHE_DIR=off")
			}
			cmd.Stderr = os.Stderr
			start := time.Now()
			check(cmd.Run())
			times[lib] = append(times[lib], float64(time.Since(start).Nanoseconds()))
		}
	}
	fmt.Printf("Cold start, 1 KiB delivery: a new process, start to exit after its first verification (median of %d; paywit's compiled code cached on disk by the run before, unless the cache is off):\n\n| library | time |\n|---|---|\n", coldRuns)
	for _, lib := range libraries {
		fmt.Printf("| %s | %.1f ms |\n", lib, median(times[lib])/1e6)
	}
}

func coldChild(lib string) {
	b := body(1 << 10)
	header := http.Header{}
	header.Set("Stripe-Signature", os.Getenv("BENCH_STRIPE_SIGNATURE"))
	header.Set("Webhook-Id", os.Getenv("BENCH_WEBHOOK_ID"))
	header.Set("Webhook-Timestamp", os.Getenv("BENCH_WEBHOOK_TIMESTAMP"))
	header.Set("Webhook-Signature", os.Getenv("BENCH_WEBHOOK_SIGNATURE"))
	var err error
	switch lib {
	case "none":
	case "paywit (stripe)", "paywit (stripe), compilation cache off":
		_, err = paywit.VerifyWebhook(paywit.SchemeStripe{}, []string{stripeSecret}, header, b, nil)
	case "paywit (standard-webhooks)":
		_, err = paywit.VerifyWebhook(paywit.SchemeStandardWebhooks{}, []string{standardSecret}, header, b, nil)
	case "stripe-go":
		err = webhook.ValidatePayload(b, header.Get("Stripe-Signature"), stripeSecret)
	case "standard-webhooks":
		var wh *standardwebhooks.Webhook
		if wh, err = standardwebhooks.NewWebhook(standardSecret); err == nil {
			err = wh.Verify(b, header)
		}
	case "svix":
		var wh *svix.Webhook
		if wh, err = svix.NewWebhook(standardSecret); err == nil {
			err = wh.Verify(b, header)
		}
	default:
		err = fmt.Errorf("unknown library %q", lib)
	}
	check(err)
}

func runtimeVersion() string { return goVersion }
