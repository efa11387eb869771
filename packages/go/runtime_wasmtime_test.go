//go:build paywit_wasmtime

package paywit

import (
	"bytes"
	"testing"
)

// The two core runtimes, driven directly (no generated code): the same export
// gives the same bytes, and a trap is an error on both.
func TestWasmtimeMatchesWazero(t *testing.T) {
	const (
		realloc   = "cabi_realloc"
		apiPolicy = "paywit:gateway/retry@0.1.0#api-policy"
		postPol   = "cabi_post_paywit:gateway/retry@0.1.0#api-policy"
	)
	names := []string{realloc, apiPolicy, postPol}
	var records [][]byte
	for _, name := range []string{"wazero", "wasmtime"} {
		t.Run(name, func(t *testing.T) {
			make, ok := runtimes[name]
			if !ok {
				t.Fatalf("runtime %s not registered (the wasmtime one needs cgo: CGO_ENABLED=1 and a C compiler)", name)
			}
			rt, err := make(coreWasm)
			if err != nil {
				t.Fatalf("compiling: %v", err)
			}
			inst, err := rt.instantiate()
			if err != nil {
				t.Fatalf("instantiating: %v", err)
			}
			defer inst.close()
			if err := inst.resolve(append(names[:3:3], "no-such-export")); err == nil {
				t.Fatalf("resolve accepted a missing export")
			} else if !bytes.Contains([]byte(err.Error()), []byte("no-such-export")) {
				t.Fatalf("resolve error does not name the missing export: %v", err)
			}
			inst, err = rt.instantiate()
			if err != nil {
				t.Fatalf("instantiating: %v", err)
			}
			defer inst.close()
			if err := inst.resolve(names); err != nil {
				t.Fatalf("resolve: %v", err)
			}

			var stack [32]uint64
			// cabi_realloc(0, 0, 8, 16): a fresh block, 8-aligned.
			stack[0], stack[1], stack[2], stack[3] = 0, 0, 8, 16
			if err := inst.call(0, stack[:]); err != nil {
				t.Fatalf("cabi_realloc: %v", err)
			}
			if p := stack[0]; p == 0 || p%8 != 0 || p > 0xFFFFFFFF {
				t.Fatalf("cabi_realloc returned %#x", p)
			}

			stack = [32]uint64{}
			if err := inst.call(1, stack[:]); err != nil {
				t.Fatalf("api-policy: %v", err)
			}
			ret := stack[0]
			mem := inst.memory()
			if ret > 0xFFFFFFFF || ret+64 > uint64(len(mem)) {
				t.Fatalf("api-policy returned %#x (memory is %d bytes)", ret, len(mem))
			}
			records = append(records, bytes.Clone(mem[ret:ret+64]))
			stack[0] = ret
			if err := inst.call(2, stack[:]); err != nil {
				t.Fatalf("cabi_post api-policy: %v", err)
			}

			// A bad pointer traps: an error, and the process goes on.
			stack[0] = 0xFFFFFFF0
			err = inst.call(2, stack[:])
			if err == nil {
				t.Fatalf("cabi_post with pointer 0xFFFFFFF0 did not trap")
			}
			t.Logf("trap: %v", err)

			// The process (and the compiled module) goes on after the trap.
			again, err := rt.instantiate()
			if err != nil {
				t.Fatalf("instantiating after a trap: %v", err)
			}
			defer again.close()
			if err := again.resolve(names); err != nil {
				t.Fatalf("resolve: %v", err)
			}
			stack = [32]uint64{}
			if err := again.call(1, stack[:]); err != nil {
				t.Fatalf("api-policy after a trap: %v", err)
			}
		})
	}
	if len(records) == 2 && !bytes.Equal(records[0], records[1]) {
		t.Fatalf("api-policy record differs:\nwazero   %x\nwasmtime %x", records[0], records[1])
	}
	if len(records) == 2 {
		t.Logf("record: %x", records[0])
	}
}
