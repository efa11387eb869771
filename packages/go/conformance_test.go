// The shared conformance data (../../conformance) through the package's public
// API, as a user calls it: every case of every table in conformance/tables
// (the WIT-value encoding of conformance/tables/README.md, converted to and
// from the generated Go types by a converter driven by abi.json's types), and
// every webhook and address vector in conformance/vectors. A case the Go API
// cannot express fails; nothing is skipped.

package paywit_test

import (
	"bytes"
	"encoding"
	"encoding/json"
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"math/big"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	paywit "github.com/paywit/paywit/packages/go"
)

const conformanceDir = "../../conformance"

// ---- abi.json's types ----

type witField struct {
	Name string   `json:"name"`
	Type *witType `json:"type"`
}

type witType struct {
	Kind    string     `json:"kind"`
	Names   []string   `json:"names"`
	Fields  []witField `json:"fields"`
	Cases   []witField `json:"cases"`
	Type    *witType   `json:"type"`
	Element *witType   `json:"element"`
	Ok      *witType   `json:"ok"`
	Err     *witType   `json:"err"`
}

type witFunc struct {
	Params []witField `json:"params"`
	Result *witType   `json:"result"`
}

type abiManifest struct {
	Interfaces map[string]map[string]witFunc `json:"interfaces"`
	Limits     map[string]uint64             `json:"limits"`
}

func loadABI(t *testing.T) abiManifest {
	t.Helper()
	raw, err := os.ReadFile("abi.json")
	if err != nil {
		t.Fatalf("reading the package's abi.json: %v", err)
	}
	var abi abiManifest
	if err := json.Unmarshal(raw, &abi); err != nil {
		t.Fatalf("abi.json: %v", err)
	}
	return abi
}

// goFunctions is every WIT function as a user calls it ("interface.function").
var goFunctions = map[string]any{
	"webhooks.verify":                  paywit.Verify,
	"webhooks.verify-fields":           paywit.VerifyFields,
	"webhooks.verify-packed":           paywit.VerifyPacked,
	"webhooks.prepare-packed":          paywit.PreparePacked,
	"webhooks.sign":                    paywit.Sign,
	"webhooks.schemes":                 paywit.Schemes,
	"webhooks.new-secret":              paywit.NewSecret,
	"webhooks.new-signing-key-pair":    paywit.NewSigningKeyPair,
	"webhooks.public-key":              paywit.PublicKey,
	"idempotency.new-key":              paywit.NewKey,
	"idempotency.parse-key":            paywit.ParseKey,
	"idempotency.fingerprint":          paywit.Fingerprint,
	"idempotency.default-policy":       paywit.DefaultPolicy,
	"idempotency.decide":               paywit.Decide,
	"idempotency.problem-for":          paywit.ProblemFor,
	"retry.classify":                   paywit.Classify,
	"retry.parse-retry-after":          paywit.ParseRetryAfter,
	"retry.next-step":                  paywit.NextStep,
	"retry.next-step-with-random":      paywit.NextStepWithRandom,
	"retry.api-policy":                 paywit.APIPolicy,
	"retry.webhook-redelivery-policy":  paywit.WebhookRedeliveryPolicy,
	"retry.standard-webhooks-policy":   paywit.StandardWebhooksPolicy,
	"lifecycle.apply":                  paywit.Apply,
	"lifecycle.map-event":              paywit.MapEvent,
	"lifecycle.parse-amount":           paywit.ParseAmount,
	"lifecycle.assess-payment":         paywit.AssessPayment,
	"lifecycle.refundable":             paywit.Refundable,
	"lifecycle.confirmation-status":    paywit.ConfirmationStatus,
	"lifecycle.required-confirmations": paywit.RequiredConfirmations,
	"requests.sign-request":            paywit.SignRequest,
	"requests.verify-request":          paywit.VerifyRequest,
	"credentials.classify-key":         paywit.ClassifyKey,
	"credentials.check-key-placement":  paywit.CheckKeyPlacement,
	"credentials.token-status":         paywit.TokenStatus,
	"reconciliation.poll-backstop":     paywit.PollBackstop,
	"reconciliation.reconcile-payout":  paywit.ReconcilePayout,
	"addresses.validate-address":       paywit.ValidateAddress,
	"alerts.default-alert-rule":        paywit.DefaultAlertRule,
	"alerts.evaluate-alert":            paywit.EvaluateAlert,
}

// caseTypes is every variant case type (value receivers of the sealed
// interfaces' marker methods); TestCaseTypeRegistryIsComplete keeps it in step
// with the generated files.
var caseTypes = []any{
	paywit.BodyBytes{},
	paywit.BodyText{},
	paywit.DecisionExecute{},
	paywit.DecisionInProgress{},
	paywit.DecisionMismatch{},
	paywit.DecisionMissingKey{},
	paywit.DecisionReplay{},
	paywit.GiveUpReasonAttemptsExhausted{},
	paywit.GiveUpReasonNotRetryable{},
	paywit.OutcomeAdvanced{},
	paywit.OutcomeRejected{},
	paywit.OutcomeReversed{},
	paywit.OutcomeStale{},
	paywit.OutcomeUnchanged{},
	paywit.PaymentAssessmentExact{},
	paywit.PaymentAssessmentOverpaid{},
	paywit.PaymentAssessmentUnderpaid{},
	paywit.PayoutMatchExact{},
	paywit.PayoutMatchPayoutHigher{},
	paywit.PayoutMatchPayoutLower{},
	paywit.PollDecisionNotNeeded{},
	paywit.PollDecisionPollNow{},
	paywit.PollDecisionWait{},
	paywit.RejectionConflictsWithTerminal{},
	paywit.RejectionKindMismatch{},
	paywit.ScheduleExplicit{},
	paywit.ScheduleExponential{},
	paywit.SchemeBtcpay{},
	paywit.SchemeCoinbaseCommerce{},
	paywit.SchemeGithub{},
	paywit.SchemeHMAC{},
	paywit.SchemeNowpayments{},
	paywit.SchemePaddle{},
	paywit.SchemeRazorpay{},
	paywit.SchemeShopify{},
	paywit.SchemeSlack{},
	paywit.SchemeSquare{},
	paywit.SchemeStandardWebhooks{},
	paywit.SchemeStripe{},
	paywit.StateDispute{},
	paywit.StateInvoice{},
	paywit.StatePayment{},
	paywit.StatePayout{},
	paywit.StateRefund{},
	paywit.StepGiveUp{},
	paywit.StepRetryAfterMs{},
	paywit.TokenAdviceExpired{},
	paywit.TokenAdviceRefreshNow{},
	paywit.TokenAdviceUse{},
	paywit.ToleranceAtomic{},
	paywit.ToleranceBasisPoints{},
	paywit.ToleranceNone{},
}

var (
	timeType  = reflect.TypeOf(time.Time{})
	bytesType = reflect.TypeOf([]byte(nil))
	errorIfc  = reflect.TypeOf((*paywit.Error)(nil)).Elem()
)

// norm is a name without case, hyphens and underscores ("reuse-idempotency-key"
// and "ReuseIdempotencyKey" alike).
func norm(s string) string {
	return strings.ToLower(strings.NewReplacer("-", "", "_", "").Replace(s))
}

// caseType is the Go type of case name of the variant interface ifc.
func caseType(ifc reflect.Type, name string) (reflect.Type, error) {
	var found []reflect.Type
	for _, c := range caseTypes {
		ct := reflect.TypeOf(c)
		if !ct.Implements(ifc) {
			continue
		}
		if named, ok := c.(interface{ CaseName() string }); ok && named.CaseName() == name {
			found = append(found, ct)
		}
	}
	if len(found) != 1 {
		return nil, fmt.Errorf("the Go API has %d case types for %s case %q", len(found), ifc, name)
	}
	return found[0], nil
}

// caseName is the WIT case name of the variant value v (not nil, not a pointer).
func caseName(t *witType, ifc reflect.Type, v reflect.Value) (int, error) {
	var name string
	switch c := v.Interface().(type) {
	case paywit.Error:
		name = c.Code()
	case interface{ CaseName() string }:
		name = c.CaseName()
	default:
		return 0, fmt.Errorf("%s has neither Code nor CaseName", v.Type())
	}
	for i, c := range t.Cases {
		if c.Name == name {
			return i, nil
		}
	}
	return 0, fmt.Errorf("%s (%s) is no case of %v", v.Type(), name, caseNames(t))
}

func caseNames(t *witType) []string {
	var out []string
	for _, c := range t.Cases {
		out = append(out, c.Name)
	}
	return out
}

func asNumber(v any) (json.Number, error) {
	n, ok := v.(json.Number)
	if !ok {
		return "", fmt.Errorf("want a number, got %T %v", v, v)
	}
	return n, nil
}

// fromJSON is the tables' JSON v as a value of Go type gt, of WIT type t.
func fromJSON(t *witType, gt reflect.Type, v any) (reflect.Value, error) {
	out := reflect.New(gt).Elem()
	if gt == timeType {
		n, err := asNumber(v)
		if err != nil {
			return out, err
		}
		s, err := strconv.ParseInt(string(n), 10, 64)
		if err != nil || t.Kind != "s64" {
			return out, fmt.Errorf("a time.Time from %s %v: %v", t.Kind, v, err)
		}
		out.Set(reflect.ValueOf(time.Unix(s, 0)))
		return out, nil
	}
	switch t.Kind {
	case "bool":
		b, ok := v.(bool)
		if !ok || gt.Kind() != reflect.Bool {
			return out, fmt.Errorf("a bool into %s from %T", gt, v)
		}
		out.SetBool(b)
	case "u8", "u16", "u32", "u64":
		n, err := asNumber(v)
		if err != nil {
			return out, err
		}
		switch gt.Kind() {
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		default:
			return out, fmt.Errorf("a %s into Go %s", t.Kind, gt)
		}
		u, err := strconv.ParseUint(string(n), 10, gt.Bits())
		if err != nil {
			return out, err
		}
		out.SetUint(u)
	case "s8", "s16", "s32", "s64":
		n, err := asNumber(v)
		if err != nil {
			return out, err
		}
		switch gt.Kind() {
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
		default:
			return out, fmt.Errorf("a %s into Go %s", t.Kind, gt)
		}
		s, err := strconv.ParseInt(string(n), 10, gt.Bits())
		if err != nil {
			return out, err
		}
		out.SetInt(s)
	case "f32", "f64":
		n, err := asNumber(v)
		if err != nil {
			return out, err
		}
		if gt.Kind() != reflect.Float32 && gt.Kind() != reflect.Float64 {
			return out, fmt.Errorf("a %s into Go %s", t.Kind, gt)
		}
		f, err := strconv.ParseFloat(string(n), gt.Bits())
		if err != nil {
			return out, err
		}
		out.SetFloat(f)
	case "string":
		s, ok := v.(string)
		if !ok || gt.Kind() != reflect.String {
			return out, fmt.Errorf("a string into %s from %T", gt, v)
		}
		out.SetString(s)
	case "enum":
		s, ok := v.(string)
		if !ok {
			return out, fmt.Errorf("an enum case name, got %T", v)
		}
		u, ok := out.Addr().Interface().(encoding.TextUnmarshaler)
		if !ok {
			return out, fmt.Errorf("Go %s (an enum) has no UnmarshalText", gt)
		}
		if err := u.UnmarshalText([]byte(s)); err != nil {
			return out, fmt.Errorf("%s %q: %w", gt, s, err)
		}
	case "record":
		obj, ok := v.(map[string]any)
		if !ok || gt.Kind() != reflect.Struct {
			return out, fmt.Errorf("a record into %s from %T", gt, v)
		}
		if gt.NumField() != len(t.Fields) {
			return out, fmt.Errorf("Go %s has %d fields, the WIT record %d", gt, gt.NumField(), len(t.Fields))
		}
		used := 0
		for i, f := range t.Fields {
			sf := gt.Field(i)
			if norm(sf.Name) != norm(f.Name) {
				return out, fmt.Errorf("Go %s field %d is %s, WIT's is %s", gt, i, sf.Name, f.Name)
			}
			fv, present := obj[f.Name]
			if !present {
				if f.Type.Kind != "option" {
					return out, fmt.Errorf("record %s: field %s missing", gt, f.Name)
				}
				continue
			}
			used++
			x, err := fromJSON(f.Type, sf.Type, fv)
			if err != nil {
				return out, fmt.Errorf("%s.%s: %w", gt.Name(), sf.Name, err)
			}
			out.Field(i).Set(x)
		}
		if used != len(obj) {
			return out, fmt.Errorf("record %s: unknown fields in %v", gt, obj)
		}
	case "variant":
		if gt.Kind() != reflect.Interface {
			return out, fmt.Errorf("a variant into Go %s", gt)
		}
		var name string
		var payload any
		hasPayload := false
		switch x := v.(type) {
		case string:
			name = x
		case map[string]any:
			if len(x) != 1 {
				return out, fmt.Errorf("a variant needs one key: %v", x)
			}
			for k, p := range x {
				name, payload, hasPayload = k, p, true
			}
		default:
			return out, fmt.Errorf("a variant from %T", v)
		}
		var ct *witType
		found := false
		for _, c := range t.Cases {
			if c.Name == name {
				ct, found = c.Type, true
			}
		}
		if !found {
			return out, fmt.Errorf("%q is no case of %v", name, caseNames(t))
		}
		goCase, err := caseType(gt, name)
		if err != nil {
			return out, err
		}
		cv := reflect.New(goCase).Elem()
		if ct == nil {
			if hasPayload {
				return out, fmt.Errorf("case %s has no payload", name)
			}
		} else {
			if !hasPayload {
				return out, fmt.Errorf("case %s needs a payload", name)
			}
			field := cv.FieldByName("Value")
			if !field.IsValid() {
				return out, fmt.Errorf("Go %s has no Value field", goCase)
			}
			x, err := fromJSON(ct, field.Type(), payload)
			if err != nil {
				return out, fmt.Errorf("%s: %w", goCase.Name(), err)
			}
			field.Set(x)
		}
		out.Set(cv)
	case "option":
		if v == nil {
			if gt.Kind() != reflect.Pointer && gt.Kind() != reflect.Interface {
				return out, fmt.Errorf("an option as Go %s", gt)
			}
			return out, nil
		}
		switch gt.Kind() {
		case reflect.Pointer:
			x, err := fromJSON(t.Type, gt.Elem(), v)
			if err != nil {
				return out, err
			}
			p := reflect.New(gt.Elem())
			p.Elem().Set(x)
			out.Set(p)
		case reflect.Interface:
			if t.Type.Kind != "variant" {
				return out, fmt.Errorf("option<%s> as Go interface %s", t.Type.Kind, gt)
			}
			return fromJSON(t.Type, gt, v)
		default:
			return out, fmt.Errorf("an option as Go %s", gt)
		}
	case "list":
		arr, ok := v.([]any)
		if !ok || gt.Kind() != reflect.Slice {
			return out, fmt.Errorf("a list into %s from %T", gt, v)
		}
		if t.Element.Kind == "u8" && gt != bytesType {
			return out, fmt.Errorf("list<u8> as Go %s, not []byte", gt)
		}
		s := reflect.MakeSlice(gt, len(arr), len(arr))
		for i, e := range arr {
			x, err := fromJSON(t.Element, gt.Elem(), e)
			if err != nil {
				return out, fmt.Errorf("[%d]: %w", i, err)
			}
			s.Index(i).Set(x)
		}
		out.Set(s)
	default:
		return out, fmt.Errorf("WIT kind %q has no conversion", t.Kind)
	}
	return out, nil
}

// toJSON is the tables' JSON encoding of the Go value v of WIT type t.
func toJSON(t *witType, v reflect.Value) (any, error) {
	if v.Type() == timeType {
		return json.Number(strconv.FormatInt(v.Interface().(time.Time).Unix(), 10)), nil
	}
	switch t.Kind {
	case "bool":
		if v.Kind() != reflect.Bool {
			return nil, fmt.Errorf("a bool as Go %s", v.Type())
		}
		return v.Bool(), nil
	case "u8", "u16", "u32", "u64":
		switch v.Kind() {
		case reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
			return json.Number(strconv.FormatUint(v.Uint(), 10)), nil
		}
		return nil, fmt.Errorf("a %s as Go %s", t.Kind, v.Type())
	case "s8", "s16", "s32", "s64":
		switch v.Kind() {
		case reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64:
			return json.Number(strconv.FormatInt(v.Int(), 10)), nil
		}
		return nil, fmt.Errorf("a %s as Go %s", t.Kind, v.Type())
	case "f32", "f64":
		if v.Kind() != reflect.Float32 && v.Kind() != reflect.Float64 {
			return nil, fmt.Errorf("a %s as Go %s", t.Kind, v.Type())
		}
		return json.Number(strconv.FormatFloat(v.Float(), 'g', -1, 64)), nil
	case "string":
		if v.Kind() != reflect.String {
			return nil, fmt.Errorf("a string as Go %s", v.Type())
		}
		return v.String(), nil
	case "enum":
		m, ok := v.Interface().(encoding.TextMarshaler)
		if !ok {
			return nil, fmt.Errorf("Go %s (an enum) has no MarshalText", v.Type())
		}
		b, err := m.MarshalText()
		if err != nil {
			return nil, err
		}
		for _, n := range t.Names {
			if n == string(b) {
				return n, nil
			}
		}
		return nil, fmt.Errorf("%q is no case of %v", b, t.Names)
	case "record":
		if v.Kind() != reflect.Struct || v.NumField() != len(t.Fields) {
			return nil, fmt.Errorf("a record of %d fields as Go %s", len(t.Fields), v.Type())
		}
		obj := map[string]any{}
		for i, f := range t.Fields {
			if norm(v.Type().Field(i).Name) != norm(f.Name) {
				return nil, fmt.Errorf("Go %s field %d is %s, WIT's is %s", v.Type(), i, v.Type().Field(i).Name, f.Name)
			}
			x, err := toJSON(f.Type, v.Field(i))
			if err != nil {
				return nil, fmt.Errorf("%s.%s: %w", v.Type().Name(), v.Type().Field(i).Name, err)
			}
			obj[f.Name] = x
		}
		return obj, nil
	case "variant":
		ifc := v.Type()
		if v.Kind() != reflect.Interface {
			return nil, fmt.Errorf("a variant as Go %s", v.Type())
		}
		if v.IsNil() {
			return nil, fmt.Errorf("a nil %s", ifc)
		}
		c := v.Elem()
		if c.Kind() == reflect.Pointer {
			if c.IsNil() {
				return nil, fmt.Errorf("a nil %s", c.Type())
			}
			if _, isErr := c.Interface().(paywit.Error); !isErr {
				return nil, fmt.Errorf("the API answered a pointer case %s", c.Type())
			}
			i, err := caseName(t, ifc, c)
			if err != nil {
				return nil, err
			}
			return caseJSON(t.Cases[i], c.Elem(), "Details")
		}
		i, err := caseName(t, ifc, c)
		if err != nil {
			return nil, err
		}
		return caseJSON(t.Cases[i], c, "Value")
	case "option":
		switch v.Kind() {
		case reflect.Pointer:
			if v.IsNil() {
				return nil, nil
			}
			return toJSON(t.Type, v.Elem())
		case reflect.Interface:
			if v.IsNil() {
				return nil, nil
			}
			return toJSON(t.Type, v)
		}
		return nil, fmt.Errorf("an option as Go %s", v.Type())
	case "list":
		if v.Kind() != reflect.Slice {
			return nil, fmt.Errorf("a list as Go %s", v.Type())
		}
		out := make([]any, v.Len())
		for i := range out {
			x, err := toJSON(t.Element, v.Index(i))
			if err != nil {
				return nil, fmt.Errorf("[%d]: %w", i, err)
			}
			out[i] = x
		}
		return out, nil
	}
	return nil, fmt.Errorf("WIT kind %q has no conversion", t.Kind)
}

// caseJSON is one case: its name, or {name: payload} (the payload in field).
func caseJSON(c witField, v reflect.Value, field string) (any, error) {
	if c.Type == nil {
		if v.NumField() != 0 {
			return nil, fmt.Errorf("Go %s has fields, case %s has no payload", v.Type(), c.Name)
		}
		return c.Name, nil
	}
	f := v.FieldByName(field)
	if !f.IsValid() || v.NumField() != 1 {
		return nil, fmt.Errorf("Go %s lacks its one field %s", v.Type(), field)
	}
	x, err := toJSON(c.Type, f)
	if err != nil {
		return nil, err
	}
	return map[string]any{c.Name: x}, nil
}

// errorJSON is a component error of WIT type t (a variant or an enum) in the
// tables' encoding: its case name, or {case: details}.
func errorJSON(t *witType, err error) (any, error) {
	var pe paywit.Error
	if !errors.As(err, &pe) {
		return nil, fmt.Errorf("not a paywit.Error: %T %v", err, err)
	}
	var ia *paywit.InvalidArgumentError
	var gf *paywit.GuestFault
	if errors.As(err, &ia) || errors.As(err, &gf) {
		return nil, fmt.Errorf("the Go API refused the call: %w", err)
	}
	v := reflect.ValueOf(pe)
	if v.Kind() != reflect.Pointer || v.IsNil() {
		return nil, fmt.Errorf("error %T is not a pointer", pe)
	}
	switch t.Kind {
	case "enum":
		for _, n := range t.Names {
			if n == pe.Code() {
				if v.Elem().NumField() != 0 {
					return nil, fmt.Errorf("%T (an enum case) has fields", pe)
				}
				return n, nil
			}
		}
		return nil, fmt.Errorf("%T: %q is no case of %v", pe, pe.Code(), t.Names)
	case "variant":
		for _, c := range t.Cases {
			if c.Name == pe.Code() {
				return caseJSON(c, v.Elem(), "Details")
			}
		}
		return nil, fmt.Errorf("%T: %q is no case of %v", pe, pe.Code(), caseNames(t))
	}
	return nil, fmt.Errorf("an error of WIT kind %s", t.Kind)
}

// matches is conftest.py's: records (objects) check only the fields expect names.
func matches(expect, actual any) bool {
	switch e := expect.(type) {
	case map[string]any:
		a, ok := actual.(map[string]any)
		if !ok {
			return false
		}
		for k, ev := range e {
			av, ok := a[k]
			if !ok || !matches(ev, av) {
				return false
			}
		}
		return true
	case []any:
		a, ok := actual.([]any)
		if !ok || len(a) != len(e) {
			return false
		}
		for i := range e {
			if !matches(e[i], a[i]) {
				return false
			}
		}
		return true
	case json.Number:
		a, ok := actual.(json.Number)
		if !ok {
			return false
		}
		x, okx := new(big.Rat).SetString(string(e))
		y, oky := new(big.Rat).SetString(string(a))
		return okx && oky && x.Cmp(y) == 0
	case nil:
		return actual == nil
	default: // string, bool
		return expect == actual
	}
}

func decodeJSON(raw []byte, into any) error {
	d := json.NewDecoder(bytes.NewReader(raw))
	d.UseNumber()
	return d.Decode(into)
}

func show(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprint(v)
	}
	return string(b)
}

// ---- the tables ----

type tableCase struct {
	Call   string          `json:"call"`
	Args   []any           `json:"args"`
	Expect json.RawMessage `json:"expect"`
}

// runTableCase calls interface.call with the case's arguments and compares its
// answer with expect.
func runTableCase(abi abiManifest, iface string, c tableCase) error {
	sig, ok := abi.Interfaces[iface][c.Call]
	if !ok {
		return fmt.Errorf("abi.json has no %s.%s", iface, c.Call)
	}
	fn, ok := goFunctions[iface+"."+c.Call]
	if !ok {
		return fmt.Errorf("the Go API has no function for %s.%s", iface, c.Call)
	}
	if len(c.Expect) == 0 {
		return fmt.Errorf("the case has no expect")
	}
	var expect any
	if err := decodeJSON(c.Expect, &expect); err != nil {
		return err
	}
	f := reflect.ValueOf(fn)
	ft := f.Type()
	if ft.NumIn() != len(sig.Params) || len(c.Args) != len(sig.Params) {
		return fmt.Errorf("%d Go parameters, %d WIT parameters, %d arguments", ft.NumIn(), len(sig.Params), len(c.Args))
	}
	if ft.NumOut() != 2 || ft.Out(1) != reflect.TypeOf((*error)(nil)).Elem() {
		return fmt.Errorf("Go %s does not answer (value, error)", ft)
	}
	args := make([]reflect.Value, len(c.Args))
	for i, a := range c.Args {
		x, err := fromJSON(sig.Params[i].Type, ft.In(i), a)
		if err != nil {
			return fmt.Errorf("argument %s: %w", sig.Params[i].Name, err)
		}
		args[i] = x
	}
	outs := f.Call(args)
	err, _ := outs[1].Interface().(error)
	var actual any
	if sig.Result != nil && sig.Result.Kind == "result" {
		if err != nil {
			e, convErr := errorJSON(sig.Result.Err, err)
			if convErr != nil {
				return convErr
			}
			actual = map[string]any{"err": e}
		} else {
			if sig.Result.Ok == nil {
				return fmt.Errorf("result<_, E> has no Go value to compare")
			}
			ok, convErr := toJSON(sig.Result.Ok, outs[0])
			if convErr != nil {
				return fmt.Errorf("answer: %w", convErr)
			}
			actual = map[string]any{"ok": ok}
		}
	} else {
		if err != nil {
			return fmt.Errorf("a function without a WIT error failed: %w", err)
		}
		x, convErr := toJSON(sig.Result, outs[0])
		if convErr != nil {
			return fmt.Errorf("answer: %w", convErr)
		}
		actual = x
	}
	if !matches(expect, actual) {
		return fmt.Errorf("expected %s, got %s", show(expect), show(actual))
	}
	return nil
}

func TestConformanceTables(t *testing.T) {
	abi := loadABI(t)
	files, err := filepath.Glob(filepath.Join(conformanceDir, "tables", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no tables under %s: %v", conformanceDir, err)
	}
	total, ran := 0, 0
	for _, file := range files {
		raw, err := os.ReadFile(file)
		if err != nil {
			t.Fatal(err)
		}
		var table struct {
			Interface string      `json:"interface"`
			Cases     []tableCase `json:"cases"`
		}
		if err := decodeJSON(raw, &table); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
		want := strings.TrimSuffix(filepath.Base(file), ".json")
		if table.Interface != want {
			t.Errorf("%s: interface %q", file, table.Interface)
		}
		if len(table.Cases) == 0 {
			t.Errorf("%s has no cases", file)
		}
		total += len(table.Cases)
		for n, c := range table.Cases {
			t.Run(fmt.Sprintf("%s/%s-%d", table.Interface, c.Call, n), func(t *testing.T) {
				ran++
				if err := runTableCase(abi, table.Interface, c); err != nil {
					t.Errorf("%s.%s%s: %v", table.Interface, c.Call, show(c.Args), err)
				}
			})
		}
	}
	if ran != total {
		t.Errorf("ran %d of %d table cases", ran, total)
	}
	t.Logf("%d table cases from %d tables", ran, len(files))
}

// TestCaseTypeRegistryIsComplete: caseTypes lists every case type the
// generated files declare (a new WIT case must not go untested).
func TestCaseTypeRegistryIsComplete(t *testing.T) {
	files, _ := filepath.Glob("gen_*.go")
	declared := map[string]bool{}
	fset := token.NewFileSet()
	for _, file := range files {
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok || fd.Recv == nil || len(fd.Recv.List) != 1 || !strings.HasPrefix(fd.Name.Name, "is") {
				continue
			}
			if id, ok := fd.Recv.List[0].Type.(*ast.Ident); ok { // value receivers: variant cases
				declared[id.Name] = true
			}
		}
	}
	listed := map[string]bool{}
	for _, c := range caseTypes {
		listed[reflect.TypeOf(c).Name()] = true
	}
	for name := range declared {
		if !listed[name] {
			t.Errorf("caseTypes lacks paywit.%s", name)
		}
	}
	for name := range listed {
		if !declared[name] {
			t.Errorf("caseTypes lists paywit.%s, which the generated files do not declare", name)
		}
	}
	if len(declared) == 0 {
		t.Fatal("no case types found in gen_*.go")
	}
}

// ---- the webhook vectors ----

type webhookVector struct {
	Name      string            `json:"name"`
	Scheme    string            `json:"scheme"`
	Secret    *string           `json:"secret"`
	Secrets   []string          `json:"secrets"`
	Seed      *string           `json:"signing_key_seed_base64"`
	Headers   map[string]string `json:"headers"`
	Body      string            `json:"body"`
	Now       int64             `json:"now"`
	Tolerance *uint32           `json:"tolerance"`
	URL       *string           `json:"url"`
	HMAC      map[string]any    `json:"hmac"`
	Valid     bool              `json:"valid"`
	Error     string            `json:"error"`
	Expect    *struct {
		SecretIndex uint32  `json:"secret_index"`
		MessageID   *string `json:"message_id"`
		SignedAt    *int64  `json:"signed_at"`
	} `json:"expect"`
}

func loadWebhookVectors(t *testing.T) []webhookVector {
	t.Helper()
	var published struct {
		Vectors []webhookVector `json:"vectors"`
	}
	var derived struct {
		PublishedExpected map[string]json.RawMessage `json:"published_expected"`
		Vectors           []webhookVector            `json:"vectors"`
	}
	for file, into := range map[string]any{"webhook-signatures.json": &published, "webhook-derived.json": &derived} {
		raw, err := os.ReadFile(filepath.Join(conformanceDir, "vectors", file))
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, into); err != nil {
			t.Fatalf("%s: %v", file, err)
		}
	}
	for i := range published.Vectors {
		v := &published.Vectors[i]
		if v.Valid {
			raw, ok := derived.PublishedExpected[v.Name]
			if !ok {
				t.Fatalf("webhook-derived.json has no published_expected for %s", v.Name)
			}
			if err := json.Unmarshal(raw, &v.Expect); err != nil {
				t.Fatal(err)
			}
		}
	}
	return append(published.Vectors, derived.Vectors...)
}

// schemeOf is the vector's scheme, converted as the tables' encoding says.
func schemeOf(t *testing.T, abi abiManifest, name string, hmac map[string]any) paywit.Scheme {
	t.Helper()
	var v any = name
	if name == "hmac" {
		v = map[string]any{"hmac": hmac}
	}
	// Numbers are not involved; plain JSON values suffice.
	x, err := fromJSON(abi.Interfaces["webhooks"]["verify"].Params[0].Type, reflect.TypeOf((*paywit.Scheme)(nil)).Elem(), v)
	if err != nil {
		t.Fatalf("scheme %q: %v", name, err)
	}
	return x.Interface().(paywit.Scheme)
}

func (v webhookVector) secretList() []string {
	switch {
	case v.Secrets != nil:
		return v.Secrets
	case v.Seed != nil:
		return []string{"whsk_" + *v.Seed}
	case v.Secret != nil:
		return []string{*v.Secret}
	}
	return nil
}

// outcome is an answer compared across paths: the Verified, or the error's
// type and details (the whole error value).
type outcome struct {
	Verified paywit.Verified
	Err      error
}

func (o outcome) String() string {
	if o.Err != nil {
		return fmt.Sprintf("%T %+v", o.Err, o.Err)
	}
	return fmt.Sprintf("ok{SecretIndex:%d MessageID:%v SignedAt:%v}", o.Verified.SecretIndex, deref(o.Verified.MessageID), deref(o.Verified.SignedAt))
}

func deref[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

func sameOutcome(a, b outcome) bool {
	return reflect.DeepEqual(a.Verified, b.Verified) && reflect.TypeOf(a.Err) == reflect.TypeOf(b.Err) && reflect.DeepEqual(a.Err, b.Err)
}

func TestConformanceWebhookVectors(t *testing.T) {
	abi := loadABI(t)
	vectors := loadWebhookVectors(t)
	if len(vectors) < 39 {
		t.Fatalf("only %d webhook vectors", len(vectors))
	}
	ran := 0
	for _, v := range vectors {
		t.Run(v.Name, func(t *testing.T) {
			ran++
			scheme := schemeOf(t, abi, v.Scheme, v.HMAC)
			secrets := v.secretList()
			if len(secrets) == 0 {
				t.Fatal("the vector has no secret")
			}
			names := make([]string, 0, len(v.Headers))
			for n := range v.Headers {
				names = append(names, n)
			}
			sort.Strings(names)
			asReceived := http.Header{} // the names exactly as in the vector
			canonical := http.Header{}  // as net/http hands them to a handler
			var list []paywit.Header
			for _, n := range names {
				asReceived[n] = append(asReceived[n], v.Headers[n])
				canonical.Add(n, v.Headers[n])
				list = append(list, paywit.Header{Name: n, Value: v.Headers[n]})
			}
			now := time.Unix(v.Now, 0)
			opts := &paywit.WebhookOptions{Now: now, ToleranceSeconds: v.Tolerance}
			if v.URL != nil {
				opts.URL = *v.URL
			}
			body := []byte(v.Body)
			paths := map[string]outcome{}
			run := func(name string, verified paywit.Verified, err error) {
				paths[name] = outcome{verified, err}
			}
			verified, err := paywit.VerifyWebhook(scheme, secrets, asReceived, body, opts)
			run("VerifyWebhook", verified, err)
			verified, err = paywit.VerifyWebhook(scheme, secrets, canonical, body, opts)
			run("VerifyWebhook (canonical names)", verified, err)
			if verifier, err := paywit.NewVerifier(scheme, secrets...); err != nil {
				run("NewVerifier", paywit.Verified{}, err)
			} else {
				verified, err = verifier.Verify(asReceived, body, opts)
				run("Verifier.Verify", verified, err)
			}
			options := paywit.VerifyOptions{Now: now, ToleranceSeconds: v.Tolerance}
			verified, err = paywit.Verify(scheme, secrets, paywit.Request{Headers: list, Body: paywit.BodyText{Value: v.Body}, URL: v.URL}, options)
			run("Verify (text)", verified, err)
			verified, err = paywit.Verify(scheme, secrets, paywit.Request{Headers: list, Body: paywit.BodyBytes{Value: body}, URL: v.URL}, options)
			run("Verify (bytes)", verified, err)
			var block strings.Builder
			for _, h := range list {
				block.WriteString(h.Name + ": " + h.Value + "\r\n")
			}
			verified, err = paywit.VerifyFields(scheme, secrets, block.String(), paywit.BodyText{Value: v.Body}, v.URL, options)
			run("VerifyFields", verified, err)

			reference := paths["Verify (text)"]
			for name, got := range paths {
				if !sameOutcome(got, reference) {
					t.Errorf("%s answered %v, Verify answered %v", name, got, reference)
				}
			}
			if v.Valid {
				if reference.Err != nil {
					t.Fatalf("a valid vector: %v", reference.Err)
				}
				want := paywit.Verified{SecretIndex: v.Expect.SecretIndex, MessageID: v.Expect.MessageID, SignedAt: v.Expect.SignedAt}
				if !reflect.DeepEqual(reference.Verified, want) {
					t.Errorf("got %v, want %v", reference, outcome{Verified: want})
				}
				return
			}
			var ve paywit.VerifyError
			if !errors.As(reference.Err, &ve) {
				t.Fatalf("an invalid vector: want a paywit.VerifyError, got %v", reference)
			}
			if v.Error != "" && ve.Code() != v.Error {
				t.Errorf("error %q, want %q (%v)", ve.Code(), v.Error, ve)
			}
		})
	}
	t.Logf("%d webhook vectors, each through 6 paths", ran)
}

// ---- the address vectors ----

func TestConformanceAddressVectors(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(conformanceDir, "vectors", "addresses.json"))
	if err != nil {
		t.Fatal(err)
	}
	type vector struct {
		Network     string `json:"network"`
		Address     string `json:"address"`
		Kind        string `json:"kind"`
		Checksummed *bool  `json:"checksummed"`
		Error       string `json:"error"`
	}
	var file struct {
		Valid   []vector `json:"valid"`
		Invalid []vector `json:"invalid"`
	}
	if err := json.Unmarshal(raw, &file); err != nil {
		t.Fatal(err)
	}
	if len(file.Valid)+len(file.Invalid) != 37 {
		t.Errorf("%d address vectors, want 37", len(file.Valid)+len(file.Invalid))
	}
	call := func(t *testing.T, v vector) (paywit.AddressInfo, error) {
		var network paywit.Network
		if err := network.UnmarshalText([]byte(v.Network)); err != nil {
			t.Fatalf("network %q: %v", v.Network, err)
		}
		return paywit.ValidateAddress(network, v.Address)
	}
	for i, v := range file.Valid {
		t.Run(fmt.Sprintf("valid-%d", i), func(t *testing.T) {
			info, err := call(t, v)
			if err != nil {
				t.Fatalf("%s %s: %v", v.Network, v.Address, err)
			}
			if v.Kind != "" && info.Kind.String() != v.Kind {
				t.Errorf("%s: kind %s, want %s", v.Address, info.Kind, v.Kind)
			}
			if v.Checksummed != nil && info.Checksummed != *v.Checksummed {
				t.Errorf("%s: checksummed %v, want %v", v.Address, info.Checksummed, *v.Checksummed)
			}
		})
	}
	for i, v := range file.Invalid {
		t.Run(fmt.Sprintf("invalid-%d", i), func(t *testing.T) {
			info, err := call(t, v)
			var ae paywit.AddressError
			if !errors.As(err, &ae) {
				t.Fatalf("%s %s: want a paywit.AddressError, got %+v, %v", v.Network, v.Address, info, err)
			}
			if v.Error != "" && ae.Code() != v.Error {
				t.Errorf("%s: error %q, want %q", v.Address, ae.Code(), v.Error)
			}
		})
	}
}

// TestFastPathEqualsVerify: VerifyWebhook (verify-packed when the headers fit
// a field block) answers exactly what the generated Verify answers, on every
// vector and on error-producing variants of it (as the Python and Node tests do).
func TestFastPathEqualsVerify(t *testing.T) {
	abi := loadABI(t)
	compared := 0
	for _, v := range loadWebhookVectors(t) {
		scheme := schemeOf(t, abi, v.Scheme, v.HMAC)
		var names []string
		for n := range v.Headers {
			names = append(names, n)
		}
		sort.Strings(names)
		var headers []paywit.Header
		for _, n := range names {
			headers = append(headers, paywit.Header{Name: n, Value: v.Headers[n]})
		}
		noise := []paywit.Header{{Name: "Host", Value: "example.com"}, {Name: "Content-Type", Value: "application/json"}, {Name: "Accept", Value: "*/*"}}
		type variant struct {
			secrets   []string
			headers   []paywit.Header
			body      string
			now       int64
			tolerance *uint32
		}
		seven := uint32(7)
		variants := []variant{
			{v.secretList(), headers, v.Body, v.Now, v.Tolerance},
			{v.secretList(), append(append(append([]paywit.Header{}, noise...), headers...), noise...), v.Body, v.Now, v.Tolerance},
			{nil, headers, v.Body, 0, nil},
			{append([]string{"whsec_"}, v.secretList()...), headers, v.Body, 0, nil},
			{v.secretList(), headers[1:], v.Body, 0, nil},
			{v.secretList(), append(append([]paywit.Header{}, headers...), paywit.Header{Name: headers[0].Name, Value: "x"}), v.Body, 0, nil},
			{v.secretList(), headers, v.Body + "é", v.Now + 100000, &seven},
		}
		for i, x := range variants {
			header := http.Header{}
			for _, h := range x.headers {
				header[h.Name] = append(header[h.Name], h.Value)
			}
			opts := &paywit.WebhookOptions{Now: time.Unix(x.now, 0), ToleranceSeconds: x.tolerance}
			if v.URL != nil {
				opts.URL = *v.URL
			}
			got, err := paywit.VerifyWebhook(scheme, x.secrets, header, []byte(x.body), opts)
			fast := outcome{got, err}
			got, err = paywit.Verify(scheme, x.secrets, paywit.Request{Headers: x.headers, Body: paywit.BodyText{Value: x.body}, URL: v.URL},
				paywit.VerifyOptions{Now: time.Unix(x.now, 0), ToleranceSeconds: x.tolerance})
			general := outcome{got, err}
			if !sameOutcome(fast, general) {
				t.Errorf("%s variant %d: VerifyWebhook %v, Verify %v", v.Name, i, fast, general)
			}
			compared++
		}
	}
	if compared < 7*39 {
		t.Errorf("only %d comparisons", compared)
	}
}
