// The instance pool under load and under hostile input: concurrent
// verifications through one Verifier, inputs over the component's limits
// (refused without keeping a large memory in the pool), a trap (the instance
// is replaced, the pool is not poisoned), and strings that are not UTF-8
// (refused by path, never showing the value).

package paywit

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	poolSecretNew = "whsec_pool_test_secret_new_0123456789"
	poolSecretOld = "whsec_pool_test_secret_old_0123456789"
)

var poolSignedAt = time.Unix(1764158400, 0)

// idleMemories is the memory size of every idle instance.
func idleMemories() []int {
	engine.mu.Lock()
	defer engine.mu.Unlock()
	out := make([]int, len(engine.idle))
	for i, m := range engine.idle {
		out[i] = len(m.core.memory())
	}
	return out
}

func assertNoLargeIdleMemory(t *testing.T, after string) {
	t.Helper()
	total := 0
	for i, size := range idleMemories() {
		total += size
		if size > retainLimit {
			t.Errorf("after %s, idle instance %d keeps %d MiB of memory (retainLimit %d MiB)", after, i, size>>20, retainLimit>>20)
		}
	}
	if total > idleBudget {
		t.Errorf("after %s, the idle instances keep %d MiB together (idleBudget %d MiB)", after, total>>20, idleBudget>>20)
	}
}

// A burst of forged large deliveries on many cores (each body copied into an
// instance before its signature is checked) leaves at most idleBudget pinned.
func TestIdleMemoryIsBoundedAcrossInstances(t *testing.T) {
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(32))
	v, err := NewVerifier(SchemeStripe{}, poolSecretNew)
	if err != nil {
		t.Fatal(err)
	}
	header := http.Header{"Stripe-Signature": {"t=1764158400,v1=" + strings.Repeat("ab", 32)}}
	body := bytes.Repeat([]byte("x"), 3<<20) // under retainLimit each, far over idleBudget together
	var wg sync.WaitGroup
	for g := 0; g < 24; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var forged *VerifyNoMatchingSignatureError
			if _, err := v.Verify(header, body, &WebhookOptions{Now: poolSignedAt}); !errors.As(err, &forged) {
				t.Errorf("a forged delivery: %v", err)
			}
		}()
	}
	wg.Wait()
	assertNoLargeIdleMemory(t, "24 concurrent forged 3 MiB deliveries")
	engine.mu.Lock()
	accounted := engine.idleBytes
	engine.mu.Unlock()
	actual := 0
	for _, size := range idleMemories() {
		actual += size
	}
	if accounted != actual {
		t.Errorf("the pool accounts %d idle bytes, its instances hold %d", accounted, actual)
	}
}

func TestPoolConcurrentVerifications(t *testing.T) {
	v, err := NewVerifier(SchemeStripe{}, poolSecretNew, poolSecretOld)
	if err != nil {
		t.Fatal(err)
	}
	type delivery struct {
		header http.Header
		body   []byte
		index  uint32 // the secret that signed it
		valid  bool
	}
	var deliveries []delivery
	for i := 0; i < 8; i++ {
		body := []byte(fmt.Sprintf(`{"id":"evt_%d","amount":%d}`, i, 100*i))
		secret, index := poolSecretNew, uint32(0)
		if i%2 == 1 {
			secret, index = poolSecretOld, 1
		}
		header, err := SignWebhook(SchemeStripe{}, secret, body, &SignOptions{SignedAt: poolSignedAt})
		if err != nil {
			t.Fatal(err)
		}
		deliveries = append(deliveries, delivery{header, body, index, true})
		tampered := append(bytes.Clone(body[:len(body)-1]), []byte(`0}`)...)
		deliveries = append(deliveries, delivery{header, tampered, 0, false})
	}
	opts := &WebhookOptions{Now: poolSignedAt.Add(10 * time.Second)}
	const goroutines, each = 32, 200
	var wg sync.WaitGroup
	errs := make(chan error, goroutines)
	for g := 0; g < goroutines; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for n := 0; n < each; n++ {
				d := deliveries[(g*7+n)%len(deliveries)]
				got, err := v.Verify(d.header, d.body, opts)
				if d.valid {
					if err != nil || got.SecretIndex != d.index || got.SignedAt == nil || *got.SignedAt != poolSignedAt.Unix() {
						errs <- fmt.Errorf("goroutine %d, call %d: a valid delivery gave %+v, %v", g, n, got, err)
						return
					}
				} else {
					var nm *VerifyNoMatchingSignatureError
					if !errors.As(err, &nm) {
						errs <- fmt.Errorf("goroutine %d, call %d: a tampered delivery gave %+v, %v", g, n, got, err)
						return
					}
				}
			}
		}(g)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	engine.mu.Lock()
	idle := len(engine.idle)
	engine.mu.Unlock()
	t.Logf("%d verifications; %d idle instances after", goroutines*each, idle)
}

func TestHostileSizes(t *testing.T) {
	v, err := NewVerifier(SchemeStripe{}, poolSecretNew)
	if err != nil {
		t.Fatal(err)
	}
	header, err := SignWebhook(SchemeStripe{}, poolSecretNew, []byte("{}"), &SignOptions{SignedAt: poolSignedAt})
	if err != nil {
		t.Fatal(err)
	}
	opts := &WebhookOptions{Now: poolSignedAt}
	maxBody := limit("body-bytes")

	t.Run("20 MiB body through a Verifier", func(t *testing.T) {
		body := make([]byte, 20<<20)
		_, err := v.Verify(header, body, opts)
		var le *VerifyLimitExceededError
		if !errors.As(err, &le) {
			t.Fatalf("want *VerifyLimitExceededError, got %T %v", err, err)
		}
		if le.Details.What != LimitBodyBytes || le.Details.Max != maxBody || le.Details.Actual != 20<<20 {
			t.Errorf("details %+v, want body-bytes, max %d, actual %d", le.Details, maxBody, 20<<20)
		}
		assertNoLargeIdleMemory(t, "a 20 MiB body")
	})

	t.Run("40 MiB body through the generic Verify", func(t *testing.T) {
		body := make([]byte, 40<<20)
		request := Request{Headers: headerList(header), Body: BodyBytes{Value: body}}
		_, err := Verify(SchemeStripe{}, []string{poolSecretNew}, request, VerifyOptions{Now: poolSignedAt})
		var le *VerifyLimitExceededError
		if !errors.As(err, &le) {
			t.Fatalf("want *VerifyLimitExceededError, got %T %v", err, err)
		}
		if le.Details.What != LimitBodyBytes || le.Details.Actual != 40<<20 {
			t.Errorf("details %+v, want body-bytes, actual %d", le.Details, 40<<20)
		}
		assertNoLargeIdleMemory(t, "a 40 MiB body through Verify")
		// The pool still answers.
		if _, err := v.Verify(header, []byte("{}"), opts); err != nil {
			t.Errorf("after the large body: %v", err)
		}
	})

	t.Run("40 MiB body through VerifyWebhook", func(t *testing.T) {
		_, err := VerifyWebhook(SchemeStripe{}, []string{poolSecretNew}, header, make([]byte, 40<<20), opts)
		var le *VerifyLimitExceededError
		if !errors.As(err, &le) || le.Details.What != LimitBodyBytes {
			t.Fatalf("want body-bytes *VerifyLimitExceededError, got %T %v", err, err)
		}
		assertNoLargeIdleMemory(t, "a 40 MiB body through VerifyWebhook")
	})

	long := strings.Repeat("k", 2048)
	t.Run("a 2 KiB secret", func(t *testing.T) {
		check := func(what string, err error) {
			t.Helper()
			var us *VerifyUnusableSecretError
			if !errors.As(err, &us) {
				t.Errorf("%s: want *VerifyUnusableSecretError, got %T %v", what, err, err)
				return
			}
			if us.Details.Index != 1 || us.Details.Problem != SecretProblemTooLong {
				t.Errorf("%s: details %+v, want index 1, too-long", what, us.Details)
			}
			if strings.Contains(err.Error(), "kkkk") {
				t.Errorf("%s: the message shows the secret: %v", what, err)
			}
		}
		_, err := NewVerifier(SchemeStripe{}, poolSecretNew, long)
		check("NewVerifier", err)
		_, err = VerifyWebhook(SchemeStripe{}, []string{poolSecretNew, long}, header, []byte("{}"), opts)
		check("VerifyWebhook", err)
		_, err = Verify(SchemeStripe{}, []string{poolSecretNew, long}, Request{Headers: headerList(header), Body: BodyText{Value: "{}"}}, VerifyOptions{Now: poolSignedAt})
		check("Verify", err)
		_, err = PreparePacked(SchemeStripe{}, []string{poolSecretNew, long})
		check("PreparePacked", err)
		var sus *SignUnusableSecretError
		if _, err := SignWebhook(SchemeStripe{}, long, []byte("{}"), nil); !errors.As(err, &sus) || sus.Details != SecretProblemTooLong {
			t.Errorf("SignWebhook: want *SignUnusableSecretError too-long, got %T %v", err, err)
		}
	})

	t.Run("17 secrets", func(t *testing.T) {
		secrets := make([]string, 17)
		for i := range secrets {
			secrets[i] = fmt.Sprintf("whsec_secret_number_%02d", i)
		}
		check := func(what string, err error) {
			t.Helper()
			var le *VerifyLimitExceededError
			if !errors.As(err, &le) {
				t.Errorf("%s: want *VerifyLimitExceededError, got %T %v", what, err, err)
				return
			}
			if le.Details.What != LimitSecretCount || le.Details.Max != 16 || le.Details.Actual != 17 {
				t.Errorf("%s: details %+v, want secret-count, max 16, actual 17", what, le.Details)
			}
		}
		_, err := NewVerifier(SchemeStripe{}, secrets...)
		check("NewVerifier", err)
		_, err = VerifyWebhook(SchemeStripe{}, secrets, header, []byte("{}"), opts)
		check("VerifyWebhook", err)
		_, err = Verify(SchemeStripe{}, secrets, Request{Headers: headerList(header), Body: BodyText{Value: "{}"}}, VerifyOptions{Now: poolSignedAt})
		check("Verify", err)
		_, err = PreparePacked(SchemeStripe{}, secrets)
		check("PreparePacked", err)
	})
	assertNoLargeIdleMemory(t, "the hostile sizes")
}

// trapIn borrows an instance and makes it trap inside a call, as a generated
// function would: the deferred release turns the trap into the error.
func trapIn(m *instance, export int, args ...uint64) (err error) {
	defer m.release(&err)
	copy(m.stack[:], args)
	m.call(export)
	return nil
}

func TestTrapReplacesTheInstance(t *testing.T) {
	// Some idle instances first, so the pool has something to poison.
	for i := 0; i < 3; i++ {
		if _, err := Classify(Failure{}); err != nil {
			t.Fatal(err)
		}
	}
	for _, tc := range []struct {
		name   string
		export int
		args   []uint64
	}{
		{"cabi_realloc of 4 GiB", idxCabiRealloc, []uint64{0, 0, 1, 0xFFFF_FFFF}},
		{"cabi_post_ of a pointer outside memory", idxPostWebhooksVerify, []uint64{0xFFFF_FFF0}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m, err := acquire()
			if err != nil {
				t.Fatal(err)
			}
			err = trapIn(m, tc.export, tc.args...)
			var gf *GuestFault
			if !errors.As(err, &gf) {
				t.Fatalf("want a *GuestFault, got %T %v", err, err)
			}
			var pe Error
			if !errors.As(err, &pe) || pe.Code() != "guest-fault" {
				t.Errorf("the fault is no paywit.Error with code guest-fault: %v", err)
			}
			engine.mu.Lock()
			for _, idle := range engine.idle {
				if idle == m {
					t.Errorf("the faulted instance went back to the pool")
				}
			}
			engine.mu.Unlock()
			// Later calls work, on every idle instance and on fresh ones.
			for i := 0; i < 2*len(idleMemories())+2; i++ {
				c, err := Classify(Failure{Status: ptr(uint16(503))})
				if err != nil || c.Category != CategoryServerError || !c.Retry {
					t.Fatalf("call %d after the trap: %+v, %v", i, c, err)
				}
			}
			if _, err := VerifyWebhook(SchemeGithub{}, []string{"k"}, http.Header{}, nil, nil); !errors.As(err, new(*VerifyMissingHeaderError)) {
				t.Errorf("a verification after the trap: %T %v", err, err)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

func TestNonUTF8StringsAreRefusedByPath(t *testing.T) {
	const marker = "SENSITIVE-VALUE-42"
	bad := "\xff\xfe" + marker
	signed, err := SignWebhook(SchemeStripe{}, poolSecretNew, []byte("{}"), &SignOptions{SignedAt: poolSignedAt})
	if err != nil {
		t.Fatal(err)
	}
	opts := &WebhookOptions{Now: poolSignedAt}
	withHeader := func(value string) http.Header {
		h := signed.Clone()
		h["X-Note"] = []string{value}
		return h
	}
	v, err := NewVerifier(SchemeStripe{}, poolSecretNew)
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name string
		path string // the expected path, or its prefix when it ends in "["
		call func() error
	}{
		{"VerifyWebhook secret", "secrets[1]", func() error {
			_, err := VerifyWebhook(SchemeStripe{}, []string{poolSecretNew, bad}, signed, []byte("{}"), opts)
			return err
		}},
		{"NewVerifier secret", "secrets[0]", func() error { _, err := NewVerifier(SchemeStripe{}, bad); return err }},
		{"SignWebhook secret", "secret", func() error { _, err := SignWebhook(SchemeStripe{}, bad, nil, nil); return err }},
		{"VerifyWebhook header value", "header[", func() error {
			_, err := VerifyWebhook(SchemeStripe{}, []string{poolSecretNew}, withHeader(bad), []byte("{}"), opts)
			return err
		}},
		{"Verifier.Verify header value", "header[", func() error {
			_, err := v.Verify(withHeader(bad), []byte("{}"), opts)
			return err
		}},
		{"Verifier.Verify header name", "header", func() error {
			h := signed.Clone()
			h[bad] = []string{"x"}
			_, err := v.Verify(h, []byte("{}"), opts)
			return err
		}},
		{"Verifier.Verify URL", "opts.URL", func() error {
			_, err := v.Verify(signed, []byte("{}"), &WebhookOptions{Now: poolSignedAt, URL: bad})
			return err
		}},
		{"Verify header value", "request.Headers[0].Value", func() error {
			_, err := Verify(SchemeStripe{}, []string{poolSecretNew}, Request{Headers: []Header{{Name: "X-Note", Value: bad}}, Body: BodyText{Value: "{}"}}, VerifyOptions{})
			return err
		}},
		{"Verify text body", "request.Body.Value", func() error {
			_, err := Verify(SchemeStripe{}, []string{poolSecretNew}, Request{Body: BodyText{Value: bad}}, VerifyOptions{})
			return err
		}},
		{"Verify secret", "secrets[0]", func() error {
			_, err := Verify(SchemeStripe{}, []string{bad}, Request{Body: BodyText{Value: "{}"}}, VerifyOptions{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			var ia *InvalidArgumentError
			if !errors.As(err, &ia) {
				t.Fatalf("want *InvalidArgumentError, got %T %v", err, err)
			}
			if strings.HasSuffix(tc.path, "[") {
				if !strings.HasPrefix(ia.Path, tc.path) {
					t.Errorf("path %q, want %s...]", ia.Path, tc.path)
				}
			} else if ia.Path != tc.path {
				t.Errorf("path %q, want %q", ia.Path, tc.path)
			}
			if ia.Code() != "invalid-argument" {
				t.Errorf("code %q", ia.Code())
			}
			for _, shown := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
				if strings.Contains(shown, marker) || strings.Contains(shown, "\xff") {
					t.Errorf("the message shows the value: %q", shown)
				}
			}
		})
	}
}
