package peers

// Regression tests for what the differential and fuzz tests found in paywit.

import (
	"errors"
	"net/http"
	"testing"

	paywit "github.com/paywit/paywit/packages/go"
)

// An http.Header value that is not UTF-8 is refused as invalid-argument, and the
// error's Path names the header: it was once an index into a list built by
// ranging over the map, which changed from call to call.
func TestInvalidUTF8HeaderPathIsDeterministic(t *testing.T) {
	secret := "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
	header := http.Header{}
	header.Set("Webhook-Id", "msg_1")
	header.Set("Webhook-Timestamp", "176\x81") // not UTF-8
	header.Set("Webhook-Signature", "v1,aRJUJL3JeiFYj8TNzYDDm28eV2+0i0hib5G46fIxv0o=")
	paths := map[string]int{}
	for range 50 {
		_, err := paywit.VerifyWebhook(paywit.SchemeStandardWebhooks{}, []string{secret}, header, []byte("{}"), nil)
		var ia *paywit.InvalidArgumentError
		if !errors.As(err, &ia) {
			t.Fatalf("got %v, want an InvalidArgumentError", err)
		}
		paths[ia.Path]++
	}
	if len(paths) != 1 || paths[`header["Webhook-Timestamp"]`] != 50 {
		t.Errorf("want the path header[\"Webhook-Timestamp\"] every time, got %v over 50 calls", paths)
	}
}
