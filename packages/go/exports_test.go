// Every WIT export has a Go wrapper: the functions abi.json lists (interface →
// function) are exactly the generated witFunctions table's keys, each a Go func
// with one parameter per WIT parameter, answering (value, error).

package paywit

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestEveryWITExportHasAGoWrapper(t *testing.T) {
	var abi struct {
		Interfaces map[string]map[string]struct {
			Params []json.RawMessage `json:"params"`
			Result json.RawMessage   `json:"result"`
		} `json:"interfaces"`
	}
	if err := json.Unmarshal(abiJSON, &abi); err != nil {
		t.Fatalf("the embedded abi.json: %v", err)
	}
	if len(abi.Interfaces) == 0 {
		t.Fatal("the embedded abi.json lists no interfaces")
	}
	errorType := reflect.TypeOf((*error)(nil)).Elem()
	seen := map[string]bool{}
	var names []string
	for iface, functions := range abi.Interfaces {
		for name, sig := range functions {
			key := iface + "." + name
			names = append(names, key)
			seen[key] = true
			fn, ok := witFunctions[key]
			if !ok {
				t.Errorf("WIT %s has no Go wrapper in witFunctions", key)
				continue
			}
			ft := reflect.TypeOf(fn)
			if ft == nil || ft.Kind() != reflect.Func || reflect.ValueOf(fn).IsNil() {
				t.Errorf("witFunctions[%q] is %T, not a Go func", key, fn)
				continue
			}
			if ft.NumIn() != len(sig.Params) {
				t.Errorf("%s: the Go func takes %d parameters, the WIT function %d", key, ft.NumIn(), len(sig.Params))
			}
			if ft.NumOut() != 2 || ft.Out(1) != errorType {
				t.Errorf("%s: the Go func is %s, not (value, error)", key, ft)
			}
		}
	}
	for key := range witFunctions {
		if !seen[key] {
			t.Errorf("witFunctions has %s, which abi.json does not export", key)
		}
	}
	// Every core export the wrappers call exists in the module (resolve fails otherwise).
	m, err := acquire()
	if err != nil {
		t.Fatal(err)
	}
	var callErr error
	func() { defer m.release(&callErr) }()
	t.Logf("%d WIT functions, %d Go wrappers", len(names), len(witFunctions))
}
