// The component's input limits, checked before a large input is copied into
// it: a refused 200 MiB body must not grow an instance's memory at all. The
// numbers come from abi.json (written by `cargo xtask build` from
// paywit::limits); the checks run in the component's order (secret count,
// body bytes, header count, header bytes, URL bytes) and answer exactly the
// component's *VerifyLimitExceededError, so a caller cannot tell which refused.

package paywit

import "strings"

// checkAbove: below this many input bytes in all, the component checks the limits itself.
const checkAbove = 1 << 20

// limit is the component's limit named what ("body-bytes"), from abi.json.
func limit(what string) uint64 {
	if load() != nil {
		return ^uint64(0) // the call that follows reports why the component cannot load
	}
	return engine.abi.Limits[what]
}

func limitError(what Limit, actual int) error {
	name, _ := what.MarshalText()
	return &VerifyLimitExceededError{Details: LimitExceeded{What: what, Max: limit(string(name)), Actual: uint64(actual)}}
}

// requestLimits refuses a delivery over a limit, as the component would, when it
// is large enough that copying it in would cost more than checking it here.
func requestLimits(body []byte, headers []Header, url string) error {
	size := len(body) + len(url)
	for _, h := range headers {
		size += len(h.Name) + len(h.Value)
	}
	if size < checkAbove {
		return nil
	}
	if uint64(len(body)) > limit("body-bytes") {
		return limitError(LimitBodyBytes, len(body))
	}
	if uint64(len(headers)) > limit("header-count") {
		return limitError(LimitHeaderCount, len(headers))
	}
	for _, h := range headers {
		if n := len(h.Name) + len(strings.Trim(h.Value, " \t")); uint64(n) > limit("header-bytes") {
			return limitError(LimitHeaderBytes, n)
		}
	}
	if uint64(len(url)) > limit("url-bytes") {
		return limitError(LimitURLBytes, len(url))
	}
	return nil
}

// boundedSecrets is secrets with each secret over the length limit replaced by a
// short stand-in the component refuses alike (unusable-secret, too-long, at the
// same index: it checks a secret's length before its contents).
func boundedSecrets(secrets []string) []string {
	max := limit("secret-bytes")
	var out []string
	for i, s := range secrets {
		if uint64(len(s)) > max {
			if out == nil {
				out = append([]string(nil), secrets...)
			}
			out[i] = strings.Repeat("x", int(max)+1)
		}
	}
	if out == nil {
		return secrets
	}
	return out
}

// boundedSecretList is secrets as the component will see them: more than the
// secret-count limit is its limit-exceeded answer, and each over-long secret is
// replaced by boundedSecrets' stand-in. NewVerifier and VerifyWebhook share it.
func boundedSecretList(secrets []string) ([]string, error) {
	if len(secrets) > int(limit("secret-count")) {
		return nil, limitError(LimitSecretCount, len(secrets))
	}
	return boundedSecrets(secrets), nil
}
