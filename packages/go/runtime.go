// The one place that holds the component (hand-written): its core module,
// compiled once per process, and a pool of instances that calls borrow one at a
// time. The generated files (gen_*.go, one per WIT interface) check their
// arguments, borrow an instance, lower the arguments into its memory, call the
// core export, lift the answer and call its cabi_post_ function.
//
// An instance is never shared by two goroutines at once, and it is dropped,
// never returned to the pool, after a trap or a guest fault (its memory is in an
// unknown state) and after a call that left its memory larger than
// retainLimit (one large input must not keep its memory for the life of the
// process). Instantiating the compiled module again costs well under a
// millisecond (wazero about 0.3 ms, wasmtime about 40 µs).

package paywit

import (
	"crypto/rand"
	_ "embed"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"os"
	"runtime"
	"sync"
	"time"
	"unicode/utf8"
)

//go:embed paywit.core.wasm
var coreWasm []byte

//go:embed abi.json
var abiJSON []byte

// retainLimit: an instance whose memory a call grew past this is dropped after
// that call. A fresh instance has about 1 MiB and verifying bodies up to a few
// hundred KiB stays under this; a larger body (or a forged one: the body is
// copied in before its signature is checked) costs a new instance next time.
const retainLimit = 8 << 20

// idleBudget caps the memory of all idle instances together: the pool keeps up
// to 2 x GOMAXPROCS instances, and many cores times retainLimit would otherwise
// stay pinned after one burst of large deliveries.
const idleBudget = 64 << 20

// maxCallInput caps what one call may copy into an instance (its memory is
// 32-bit; the component's own limits are far below this).
const maxCallInput = 96 << 20

// coreRuntime compiles the core module once and makes instances of it. Two
// implementations: wazero (pure Go, the default) and wasmtime-go (cgo, built with
// the paywit_wasmtime tag and chosen with PAYWIT_RUNTIME=wasmtime).
type coreRuntime interface {
	// instantiate makes a new instance with wasi:random provided.
	instantiate() (coreInstance, error)
}

// coreInstance is one instance of the core module, used by one goroutine at a time.
type coreInstance interface {
	// resolve looks up the core exports, in this order; call(i) then calls names[i].
	// It fails naming the first export the module lacks.
	resolve(names []string) error
	// call calls export i with its parameters in stack (each a wasm value as
	// uint64: i32 zero-extended, floats as their bits) and leaves its results at
	// the start of stack. A trap is an error.
	call(i int, stack []uint64) error
	// memory is the instance's linear memory (valid until the next call).
	memory() []byte
	// close frees the instance.
	close()
}

// runtimes maps a PAYWIT_RUNTIME name to its constructor; runtime_*.go register theirs.
var runtimes = map[string]func(wasm []byte) (coreRuntime, error){}

// defaultRuntime is the runtime used when PAYWIT_RUNTIME is unset.
const defaultRuntime = "wazero"

// randomU64 is wasi:random/random.get-random-u64, the core module's only import.
func randomU64() uint64 {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("paywit: crypto/rand failed: " + err.Error())
	}
	return binary.LittleEndian.Uint64(b[:])
}

// manifest is the part of abi.json (written by `cargo xtask build`) the runtime reads.
type manifest struct {
	Digest string            `json:"digest"`
	Limits map[string]uint64 `json:"limits"`
}

var engine struct {
	once    sync.Once
	err     error
	runtime coreRuntime
	name    string
	abi     manifest

	mu        sync.Mutex
	idle      []*instance
	idleBytes int // the memory of the idle instances together (at most idleBudget)
}

// load compiles the core module (once per process) after checking that it was
// built from the WIT the generated files come from.
func load() error {
	engine.once.Do(func() {
		if err := json.Unmarshal(abiJSON, &engine.abi); err != nil {
			engine.err = fmt.Errorf("paywit: the embedded abi.json is unreadable: %w", err)
			return
		}
		if engine.abi.Digest != witDigest {
			engine.err = fmt.Errorf("paywit: the component (abi.json, WIT digest %s) was not built from the WIT these bindings were generated from (digest %s); run `cargo xtask codegen` and `cargo xtask build` so both come from the same wit/", engine.abi.Digest, witDigest)
			return
		}
		name := os.Getenv("PAYWIT_RUNTIME")
		if name == "" {
			name = defaultRuntime
		}
		make, ok := runtimes[name]
		if !ok {
			engine.err = fmt.Errorf("paywit: PAYWIT_RUNTIME=%q is not built in (wazero always; wasmtime with -tags paywit_wasmtime and cgo enabled)", name)
			return
		}
		rt, err := make(coreWasm)
		if err != nil {
			engine.err = fmt.Errorf("paywit: compiling the component: %w", err)
			return
		}
		engine.runtime, engine.name = rt, name
	})
	return engine.err
}

// RuntimeName is the wasm runtime that runs the component in this process
// ("wazero" or "wasmtime"), after loading it; an error when it cannot be loaded.
func RuntimeName() (string, error) {
	if err := load(); err != nil {
		return "", err
	}
	return engine.name, nil
}

// instance is one core instance and the canonical-ABI helpers over its memory.
// The generated code calls the helpers; a guest fault or trap inside them panics
// with a *GuestFault, which release turns into the call's error.
type instance struct {
	core      coreInstance
	mem       []byte
	stack     [32]uint64
	input     int // bytes copied in during the current call
	idleBytes int // its memory when it went idle
}

// acquire borrows an idle instance, or makes one.
func acquire() (*instance, error) {
	if err := load(); err != nil {
		return nil, err
	}
	engine.mu.Lock()
	if n := len(engine.idle); n > 0 {
		m := engine.idle[n-1]
		engine.idle = engine.idle[:n-1]
		engine.idleBytes -= m.idleBytes
		engine.mu.Unlock()
		return m, nil
	}
	engine.mu.Unlock()
	core, err := engine.runtime.instantiate()
	if err != nil {
		return nil, fmt.Errorf("paywit: instantiating the component: %w", err)
	}
	if err := core.resolve(coreExports[:]); err != nil {
		core.close()
		return nil, fmt.Errorf("paywit: %w: rebuild the package (cargo xtask build)", err)
	}
	m := &instance{core: core}
	m.mem = core.memory()
	return m, nil
}

// release ends a call (deferred by every generated function): a panic raised
// by the helpers (a trap, a guest fault, an input too large) becomes *errp and
// drops the instance; otherwise the instance goes back to the pool unless its
// memory grew past retainLimit or the idle instances' memory would pass idleBudget.
func (m *instance) release(errp *error) {
	m.input = 0
	if r := recover(); r != nil {
		m.core.close()
		switch e := r.(type) {
		case *GuestFault:
			*errp = e
		case *InvalidArgumentError:
			*errp = e
		case runtime.Error:
			// A pointer from the guest outside its memory, read or written.
			*errp = &GuestFault{Reason: "returned an address outside its memory (" + e.Error() + ")"}
		default:
			panic(r)
		}
		return
	}
	size := len(m.core.memory())
	if size > retainLimit {
		m.core.close()
		return
	}
	engine.mu.Lock()
	if len(engine.idle) < 2*runtime.GOMAXPROCS(0) && engine.idleBytes+size <= idleBudget {
		engine.idle = append(engine.idle, m)
		engine.idleBytes += size
		m.idleBytes = size
		m = nil
	}
	engine.mu.Unlock()
	if m != nil {
		m.core.close()
	}
}

// call calls core export i with m.stack; a trap panics with a *GuestFault.
func (m *instance) call(i int) {
	err := m.core.call(i, m.stack[:])
	m.mem = m.core.memory()
	if err != nil {
		panic(&GuestFault{Reason: "trapped in " + coreExports[i] + ": " + err.Error()})
	}
}

// fault panics with a *GuestFault: the guest answered something a well-behaved
// component never does.
func (m *instance) fault(what string) {
	panic(&GuestFault{Reason: what})
}

// alloc returns a fresh guest block (cabi_realloc(0, 0, align, size)).
func (m *instance) alloc(size uint64, align uint32) uint32 {
	if size == 0 {
		return align
	}
	m.input += int(size)
	if size > maxCallInput || m.input > maxCallInput {
		panic(&InvalidArgumentError{Reason: fmt.Sprintf("the input is larger than one call may copy into the component (%d MiB)", maxCallInput>>20)})
	}
	m.stack[0], m.stack[1], m.stack[2], m.stack[3] = 0, 0, uint64(align), size
	m.call(idxCabiRealloc)
	return uint32(m.stack[0])
}

// allocArray is alloc for n elements of size bytes.
func (m *instance) allocArray(n int, size uint32, align uint32) uint32 {
	return m.alloc(uint64(n)*uint64(size), align)
}

// str copies s into a fresh block and returns its pointer and length.
func (m *instance) str(s string) (uint32, uint32) {
	p := m.alloc(uint64(len(s)), 1)
	copy(m.mem[p:p+uint32(len(s))], s)
	return p, uint32(len(s))
}

// bytes copies b into a fresh block and returns its pointer and length.
func (m *instance) bytes(b []byte) (uint32, uint32) {
	p := m.alloc(uint64(len(b)), 1)
	copy(m.mem[p:p+uint32(len(b))], b)
	return p, uint32(len(b))
}

// text is the UTF-8 string the guest returned at p (a fault unless it is valid UTF-8).
func (m *instance) text(p, n uint32) string {
	if n == 0 {
		return ""
	}
	b := m.mem[p : uint64(p)+uint64(n)]
	if !utf8.Valid(b) {
		m.fault("returned a string that is not UTF-8")
	}
	return string(b)
}

// copyBytes is a copy of the n bytes the guest returned at p (a range outside
// the memory panics before anything is allocated: a guest fault).
func (m *instance) copyBytes(p, n uint32) []byte {
	return append([]byte(nil), m.mem[p:uint64(p)+uint64(n)]...)
}

func (m *instance) putU8(a uint32, v uint8)   { m.mem[a] = v }
func (m *instance) putU16(a uint32, v uint16) { binary.LittleEndian.PutUint16(m.mem[a:], v) }
func (m *instance) putU32(a uint32, v uint32) { binary.LittleEndian.PutUint32(m.mem[a:], v) }
func (m *instance) putU64(a uint32, v uint64) { binary.LittleEndian.PutUint64(m.mem[a:], v) }
func (m *instance) getU8(a uint32) uint8      { return m.mem[a] }
func (m *instance) getU16(a uint32) uint16    { return binary.LittleEndian.Uint16(m.mem[a:]) }
func (m *instance) getU32(a uint32) uint32    { return binary.LittleEndian.Uint32(m.mem[a:]) }
func (m *instance) getU64(a uint32) uint64    { return binary.LittleEndian.Uint64(m.mem[a:]) }

// getBool reads a bool (a byte that must be 0 or 1).
func (m *instance) getBool(a uint32) bool {
	switch m.mem[a] {
	case 0:
		return false
	case 1:
		return true
	}
	m.fault("returned a bool that is neither 0 nor 1")
	return false
}

func b2u8(b bool) uint8 {
	if b {
		return 1
	}
	return 0
}

// unixOrNow is t in Unix seconds, or the current time when t is the zero time.
func unixOrNow(t time.Time) int64 {
	if t.IsZero() {
		return time.Now().Unix()
	}
	return t.Unix()
}
