package paywit

import (
	"fmt"
	"strings"
)

// Error is what every error paywit returns implements: the component's typed
// errors (one type per WIT error case, such as *VerifyNoMatchingSignatureError),
// *InvalidArgumentError and *GuestFault. Code is the WIT case name
// ("no-matching-signature"), "invalid-argument" or "guest-fault".
type Error interface {
	error
	Code() string
}

// InvalidArgumentError is an argument that does not fit its WIT type (a string
// that is not UTF-8, an enum value out of range, a nil variant), returned before
// anything reaches the component. It names the argument and never shows its value.
type InvalidArgumentError struct {
	// Path is the argument's path, such as "request.Headers[2].Value".
	Path string
	// Reason says what the argument must be.
	Reason string
}

// Error is the message: the argument's path and what it must be, never its value.
func (e *InvalidArgumentError) Error() string {
	if e.Path == "" {
		return "paywit: invalid argument: " + e.Reason
	}
	return "paywit: invalid argument " + e.Path + ": " + e.Reason
}

// Code is "invalid-argument".
func (e *InvalidArgumentError) Code() string { return "invalid-argument" }

// within prefixes the path with a parameter, field ("Headers") or index ("[2]").
func (e *InvalidArgumentError) within(segment string) *InvalidArgumentError {
	switch {
	case e.Path == "":
		e.Path = segment
	case strings.HasPrefix(e.Path, "["):
		e.Path = segment + e.Path
	default:
		e.Path = segment + "." + e.Path
	}
	return e
}

func invalidArg(reason string) *InvalidArgumentError { return &InvalidArgumentError{Reason: reason} }

func indexSegment(i int) string { return fmt.Sprintf("[%d]", i) }

// GuestFault is the component doing what a well-behaved component never does: a
// trap, or an answer outside its memory or not of its WIT type. The instance is
// dropped; the next call gets a fresh one.
type GuestFault struct {
	// Reason says what happened.
	Reason string
}

// Error is the message: what the component did.
func (e *GuestFault) Error() string {
	return "paywit: the component " + e.Reason + " (a guest fault: its instance is replaced)"
}

// Code is "guest-fault".
func (e *GuestFault) Code() string { return "guest-fault" }

// errorText is the message of a component error: its WIT error type, case and details.
func errorText(witType, witCase string, details any) string {
	if details == nil {
		return "paywit: " + witType + ": " + witCase
	}
	return fmt.Sprintf("paywit: %s: %s: %+v", witType, witCase, details)
}

// redactedFormat writes a value that holds secret material the same way for
// every fmt verb: its String (GoString for %#v), which shows no secret.
func redactedFormat(f fmt.State, verb rune, v interface {
	String() string
	GoString() string
}) {
	if verb == 'v' && f.Flag('#') {
		fmt.Fprint(f, v.GoString())
		return
	}
	fmt.Fprint(f, v.String())
}
