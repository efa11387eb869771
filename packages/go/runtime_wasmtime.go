//go:build paywit_wasmtime

// The optional runtime: wasmtime-go (cgo, Wasmtime's Cranelift compiler), built
// with -tags paywit_wasmtime and chosen with PAYWIT_RUNTIME=wasmtime. The
// module is compiled once per process by one Engine; each instance is a Store of
// its own instantiated through one Linker that provides wasi:random.
//
// Calls do not go through Func.Call, which queries the function's type, boxes
// every argument in an interface{} and allocates per call: wasmtime-go has no
// unchecked call in its Go API, so call passes the uint64 stack straight to the
// C API's wasmtime_func_call_unchecked (declared below; the symbol comes from
// the libwasmtime.a that wasmtime-go links), one cgo call per wasm call. The
// types were checked once, in resolve. This relies on wasmtime.Func and
// wasmtime.Memory being exactly their C structs (wasmtime_func_t,
// wasmtime_memory_t), which newWasmtime checks by size.

package paywit

/*
#include <stdint.h>
#include <stddef.h>
#include <string.h>

// The parts of wasmtime.h (Wasmtime 39 C API) used here, declared with
// layout-identical types so that this package needs no include path.
typedef struct wasmtime_context pw_context_t;
typedef struct wasmtime_error pw_error_t;
typedef struct wasm_trap_t pw_trap_t;
typedef struct { uint64_t store_id; uintptr_t private_; } pw_func_t; // void *private in wasmtime.h; an integer here so that Go never treats it as a pointer
typedef struct { struct { uint64_t store_id; uint32_t private1; } id; uint32_t private2; } pw_memory_t; // 24 bytes, as in wasmtime.h
typedef union { int32_t i32; int64_t i64; float f32; double f64; uint8_t v128[16]; uint32_t anyref; uint32_t externref; uintptr_t funcref; } pw_val_raw_t;
typedef struct { size_t size; char *data; } pw_byte_vec_t;

extern pw_error_t *wasmtime_func_call_unchecked(pw_context_t *, const pw_func_t *, pw_val_raw_t *, size_t, pw_trap_t **);
extern uint8_t *wasmtime_memory_data(const pw_context_t *, const pw_memory_t *);
extern size_t wasmtime_memory_data_size(const pw_context_t *, const pw_memory_t *);
extern void wasm_trap_message(const pw_trap_t *, pw_byte_vec_t *);
extern void wasm_trap_delete(pw_trap_t *);
extern void wasmtime_error_message(const pw_error_t *, pw_byte_vec_t *);
extern void wasmtime_error_delete(pw_error_t *);
extern void wasm_byte_vec_delete(pw_byte_vec_t *);

#define PW_MAX_SLOTS 64

// pw_memory is the memory's base and size.
static uint8_t *pw_memory(pw_context_t *cx, const pw_memory_t *m, size_t *size) {
	*size = wasmtime_memory_data_size(cx, m);
	return wasmtime_memory_data(cx, m);
}

// pw_call calls f with stack[0..nparams) as its parameters (each value's bits,
// zero-extended) and writes its nresults results to stack[0..nresults), the
// 32-bit ones (bit i of narrow) zero-extended. On a trap or an error it returns
// 1 or 2 and leaves the owned trap or error in *fault. Either way it then
// reads memory m's base and size (the call may have grown it), which saves
// memory() a cgo call of its own.
static int pw_call(pw_context_t *cx, const pw_func_t *f, uint64_t *stack,
                   size_t nparams, size_t nresults, uint64_t narrow, void **fault,
                   const pw_memory_t *m, uint8_t **base, size_t *size) {
	pw_val_raw_t raw[PW_MAX_SLOTS];
	size_t n = nparams > nresults ? nparams : nresults;
	memset(raw, 0, n * sizeof(pw_val_raw_t));
	for (size_t i = 0; i < nparams; i++) raw[i].i64 = (int64_t)stack[i];
	pw_trap_t *trap = NULL;
	pw_error_t *err = wasmtime_func_call_unchecked(cx, f, raw, n, &trap);
	*base = pw_memory(cx, m, size);
	if (trap != NULL) {
		if (err != NULL) wasmtime_error_delete(err);
		*fault = trap;
		return 1;
	}
	if (err != NULL) {
		*fault = err;
		return 2;
	}
	for (size_t i = 0; i < nresults; i++)
		stack[i] = ((narrow >> i) & 1) ? (uint64_t)(uint32_t)raw[i].i32 : (uint64_t)raw[i].i64;
	return 0;
}

// pw_fault_message takes the message of a trap (kind 1) or an error (kind 2)
// and deletes it; the message is freed with pw_free_message.
static void pw_fault_message(int kind, void *fault, pw_byte_vec_t *msg) {
	if (kind == 1) {
		wasm_trap_message((pw_trap_t *)fault, msg);
		wasm_trap_delete((pw_trap_t *)fault);
	} else {
		wasmtime_error_message((pw_error_t *)fault, msg);
		wasmtime_error_delete((pw_error_t *)fault);
	}
}

static void pw_free_message(pw_byte_vec_t *msg) { wasm_byte_vec_delete(msg); }
*/
import "C"

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"unsafe"

	"github.com/bytecodealliance/wasmtime-go/v39"
)

func init() { runtimes["wasmtime"] = newWasmtime }

type wasmtimeRuntime struct {
	engine *wasmtime.Engine
	module *wasmtime.Module
	linker *wasmtime.Linker
}

func newWasmtime(wasm []byte) (coreRuntime, error) {
	if unsafe.Sizeof(wasmtime.Func{}) != unsafe.Sizeof(C.pw_func_t{}) ||
		unsafe.Sizeof(wasmtime.Memory{}) != unsafe.Sizeof(C.pw_memory_t{}) {
		return nil, errors.New("this wasmtime-go's Func or Memory is not the C API's struct; the paywit wasmtime runtime needs wasmtime-go v39")
	}
	engine := wasmtime.NewEngine()
	module, err := cachedModule(engine, wasm)
	if err != nil {
		return nil, err
	}
	linker := wasmtime.NewLinker(engine)
	ty := wasmtime.NewFuncType(nil, []*wasmtime.ValType{wasmtime.NewValType(wasmtime.KindI64)})
	err = linker.FuncNew("wasi:random/random@0.2.0", "get-random-u64", ty,
		func(*wasmtime.Caller, []wasmtime.Val) ([]wasmtime.Val, *wasmtime.Trap) {
			return []wasmtime.Val{wasmtime.ValI64(int64(randomU64()))}, nil
		})
	if err != nil {
		return nil, err
	}
	return &wasmtimeRuntime{engine: engine, module: module, linker: linker}, nil
}

func (r *wasmtimeRuntime) instantiate() (coreInstance, error) {
	store := wasmtime.NewStore(r.engine)
	inst, err := r.linker.Instantiate(store, r.module)
	if err != nil {
		store.Close()
		return nil, err
	}
	ext := inst.GetExport(store, "memory")
	if ext == nil || ext.Memory() == nil {
		store.Close()
		return nil, fmt.Errorf("the core module exports no memory")
	}
	i := &wasmtimeInstance{
		store:    store,
		instance: inst,
		cx:       (*C.pw_context_t)(unsafe.Pointer(store.Context())),
	}
	mem := ext.Memory()
	i.mem = *(*C.pw_memory_t)(unsafe.Pointer(mem))
	runtime.KeepAlive(mem)
	i.base = C.pw_memory(i.cx, &i.mem, &i.size)
	return i, nil
}

// wasmtimeFunc is a resolved export: its C handle and its type.
type wasmtimeFunc struct {
	f        C.pw_func_t
	nparams  C.size_t
	nresults C.size_t
	narrow   C.uint64_t // bit i: result i is 32 bits wide (i32, f32)
}

type wasmtimeInstance struct {
	store    *wasmtime.Store // owns everything below; closed by close
	instance *wasmtime.Instance
	cx       *C.pw_context_t
	mem      C.pw_memory_t
	base     *C.uint8_t // memory's base and size after the last call
	size     C.size_t
	funcs    []wasmtimeFunc
}

func (i *wasmtimeInstance) resolve(names []string) error {
	i.funcs = make([]wasmtimeFunc, len(names))
	for k, name := range names {
		f := i.instance.GetFunc(i.store, name)
		if f == nil {
			return fmt.Errorf("the core module lacks the export %s", name)
		}
		ty := f.Type(i.store)
		params, results := ty.Params(), ty.Results()
		if len(params) > C.PW_MAX_SLOTS || len(results) > C.PW_MAX_SLOTS {
			return fmt.Errorf("the core export %s has more than %d parameters or results", name, C.PW_MAX_SLOTS)
		}
		wf := wasmtimeFunc{
			f:        *(*C.pw_func_t)(unsafe.Pointer(f)),
			nparams:  C.size_t(len(params)),
			nresults: C.size_t(len(results)),
		}
		for _, p := range params {
			if !numeric(p.Kind()) {
				return fmt.Errorf("the core export %s takes a %s", name, p.Kind())
			}
		}
		for r, res := range results {
			switch res.Kind() {
			case wasmtime.KindI32, wasmtime.KindF32:
				wf.narrow |= 1 << r
			case wasmtime.KindI64, wasmtime.KindF64:
			default:
				return fmt.Errorf("the core export %s returns a %s", name, res.Kind())
			}
		}
		i.funcs[k] = wf
	}
	return nil
}

func numeric(k wasmtime.ValKind) bool {
	switch k {
	case wasmtime.KindI32, wasmtime.KindI64, wasmtime.KindF32, wasmtime.KindF64:
		return true
	}
	return false
}

func (i *wasmtimeInstance) call(k int, stack []uint64) error {
	f := &i.funcs[k]
	if len(stack) < int(f.nparams) || len(stack) < int(f.nresults) {
		return fmt.Errorf("a stack of %d values is too small for %d parameters and %d results", len(stack), f.nparams, f.nresults)
	}
	var fault unsafe.Pointer
	kind := C.pw_call(i.cx, &f.f, (*C.uint64_t)(unsafe.Pointer(unsafe.SliceData(stack))),
		f.nparams, f.nresults, f.narrow, &fault, &i.mem, &i.base, &i.size)
	runtime.KeepAlive(i.store)
	if kind == 0 {
		return nil
	}
	var msg C.pw_byte_vec_t
	C.pw_fault_message(kind, fault, &msg)
	text := strings.TrimRight(C.GoStringN(msg.data, C.int(msg.size)), "\x00")
	C.pw_free_message(&msg)
	// With RUST_BACKTRACE set, Wasmtime appends the host's (symbol-less) stack.
	if cut := strings.Index(text, "\nStack backtrace:"); cut >= 0 {
		text = text[:cut]
	}
	text = strings.TrimSpace(text)
	if text == "" {
		text = "wasm trap"
	}
	return errors.New(text)
}

// memory is the memory as the last call (or instantiate) left it: only a call
// can move or grow it.
func (i *wasmtimeInstance) memory() []byte {
	if i.base == nil || i.size == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(i.base)), int(i.size))
}

func (i *wasmtimeInstance) close() {
	i.store.Close()
	i.funcs, i.base, i.size = nil, nil, 0
}

// wasmtimeGoVersion names the cache entries: another wasmtime-go compiles anew.
const wasmtimeGoVersion = "v39.0.1"

// cachedModule is the module compiled by Cranelift, or deserialized from the
// compilation cache (cacheDir, as for wazero) when an entry for these bytes and
// this wasmtime-go is there and intact: an entry is the SHA-256 of what follows,
// then wasmtime's serialized module, written atomically. Deserializing runs
// native code from the file, so an entry whose digest does not match is
// compiled again, never loaded; wasmtime itself refuses an entry from another
// engine configuration.
func cachedModule(engine *wasmtime.Engine, wasm []byte) (*wasmtime.Module, error) {
	dir := cacheDir()
	if dir == "" {
		return wasmtime.NewModule(engine, wasm)
	}
	key := sha256.Sum256(wasm)
	path := filepath.Join(dir, "wasmtime-"+wasmtimeGoVersion+"-"+hex.EncodeToString(key[:16])+".cwasm")
	if entry, err := os.ReadFile(path); err == nil && len(entry) > sha256.Size {
		digest := sha256.Sum256(entry[sha256.Size:])
		if bytes.Equal(digest[:], entry[:sha256.Size]) {
			if module, err := wasmtime.NewModuleDeserialize(engine, entry[sha256.Size:]); err == nil {
				return module, nil
			}
		}
	}
	module, err := wasmtime.NewModule(engine, wasm)
	if err != nil {
		return nil, err
	}
	if serialized, err := module.Serialize(); err == nil {
		digest := sha256.Sum256(serialized)
		writeAtomically(path, append(digest[:], serialized...))
	}
	return module, nil
}

// writeAtomically writes a cache entry through a temporary file renamed into
// place (a reader never sees half an entry); a failure leaves no entry.
func writeAtomically(path string, data []byte) {
	tmp, err := os.CreateTemp(filepath.Dir(path), filepath.Base(path)+".*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.Write(data)
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), path) != nil {
		_ = os.Remove(tmp.Name())
	}
}
