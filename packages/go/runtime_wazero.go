// The default runtime: wazero, pure Go (no cgo). The module is compiled once
// per process by wazero's optimizing compiler (its interpreter where the compiler
// has no backend), and each instance is an anonymous module instance of it.
//
// Compiling takes a few hundred milliseconds, which every process would pay at
// its first call (a CLI, a serverless cold start, each test binary), so the
// compiled code is cached on disk: wazero's compilation cache, in
// <user cache dir>/paywit (PAYWIT_CACHE_DIR to choose another directory, "off"
// for none). wazero keys an entry by the module's SHA-256, its own version and
// the CPU's features, and writes it atomically (a temporary file renamed).
// Loading native code from a file means the directory must be the user's own:
// it is created 0700, and one that is not a directory owned by this user and
// closed to others is not used, nor one below a directory that someone else
// could rename things in (wazero opens entries by path; see trustedPath).
// wazero's own check (a CRC of the machine code) leaves the rest of an entry
// unchecked, and a damaged offset table crashes the process, so paywit keeps
// the SHA-256 of every entry it saw written (wazero.sha256 beside them) and
// deletes any entry that does not match before wazero reads the directory; a
// deleted entry is compiled and written again.

package paywit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

func init() { runtimes["wazero"] = newWazero }

type wazeroRuntime struct {
	runtime  wazero.Runtime
	compiled wazero.CompiledModule
	config   wazero.ModuleConfig
}

func newWazero(wasm []byte) (coreRuntime, error) {
	if dir := cacheDir(); dir != "" {
		checked := checkCacheEntries(dir)
		if cache, err := wazero.NewCompilationCacheWithDir(dir); err == nil {
			if r, err := newWazeroWith(wasm, wazero.NewRuntimeConfig().WithCompilationCache(cache)); err == nil {
				for _, entry := range wazeroEntries(dir) {
					if !checked[entry] { // written by this process
						recordCacheEntries(dir)
						break
					}
				}
				return r, nil
			}
		}
	}
	return newWazeroWith(wasm, wazero.NewRuntimeConfig())
}

// cacheManifest is the file (in the cache directory) holding the SHA-256 of each
// wazero entry: "<hex digest> <path relative to the directory>" per line.
const cacheManifest = "wazero.sha256"

// wazeroEntries are the finished entries under dir's wazero-* directories
// (wazero's temporary files, still being written, are left out), relative to dir.
func wazeroEntries(dir string) []string {
	subdirs, _ := filepath.Glob(filepath.Join(dir, "wazero-*"))
	var out []string
	for _, sub := range subdirs {
		files, _ := os.ReadDir(sub)
		for _, f := range files {
			if f.Type().IsRegular() && !strings.HasSuffix(f.Name(), ".tmp") {
				out = append(out, filepath.Join(filepath.Base(sub), f.Name()))
			}
		}
	}
	return out
}

func fileDigest(path string) (string, bool) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", false
	}
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:]), true
}

// checkCacheEntries deletes every entry whose digest is not the manifest's, and
// returns the entries left (each one the manifest's).
func checkCacheEntries(dir string) map[string]bool {
	recorded := map[string]string{}
	if manifest, err := os.ReadFile(filepath.Join(dir, cacheManifest)); err == nil {
		for _, line := range strings.Split(string(manifest), "\n") {
			if digest, path, ok := strings.Cut(line, " "); ok {
				recorded[path] = digest
			}
		}
	}
	checked := map[string]bool{}
	for _, entry := range wazeroEntries(dir) {
		digest, ok := fileDigest(filepath.Join(dir, entry))
		if ok && recorded[entry] == digest {
			checked[entry] = true
		} else {
			_ = os.Remove(filepath.Join(dir, entry))
		}
	}
	return checked
}

// recordCacheEntries writes the manifest for the entries there now (atomically).
func recordCacheEntries(dir string) {
	var b strings.Builder
	for _, entry := range wazeroEntries(dir) {
		if digest, ok := fileDigest(filepath.Join(dir, entry)); ok {
			b.WriteString(digest + " " + entry + "\n")
		}
	}
	tmp, err := os.CreateTemp(dir, cacheManifest+".*.tmp")
	if err != nil {
		return
	}
	_, werr := tmp.WriteString(b.String())
	cerr := tmp.Close()
	if werr != nil || cerr != nil || os.Rename(tmp.Name(), filepath.Join(dir, cacheManifest)) != nil {
		_ = os.Remove(tmp.Name())
	}
}

// cacheDir is the compilation cache's directory, or "" for none (see above).
func cacheDir() string {
	dir := strings.TrimSpace(os.Getenv("PAYWIT_CACHE_DIR"))
	if strings.EqualFold(dir, "off") {
		return ""
	}
	if dir != "" && !filepath.IsAbs(dir) {
		return "" // a relative directory would depend on the working directory: no cache
	}
	if dir != "" {
		dir = filepath.Clean(dir) // "a/cache/" and "a/x/../cache" are a/cache
	}
	if dir == "" {
		base, err := os.UserCacheDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(base, "paywit")
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return ""
	}
	if dir = trustedPath(dir); dir == "" || !privateDir(dir) {
		return ""
	}
	return dir
}

func newWazeroWith(wasm []byte, config wazero.RuntimeConfig) (coreRuntime, error) {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, config)
	_, err := rt.NewHostModuleBuilder("wasi:random/random@0.2.0").
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
			stack[0] = randomU64()
		}), nil, []api.ValueType{api.ValueTypeI64}).
		Export("get-random-u64").
		Instantiate(ctx)
	if err != nil {
		rt.Close(ctx)
		return nil, err
	}
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		rt.Close(ctx)
		return nil, err
	}
	// Anonymous instances (many of one module), no start function.
	instances := wazero.NewModuleConfig().WithName("").WithStartFunctions()
	return &wazeroRuntime{runtime: rt, compiled: compiled, config: instances}, nil
}

func (r *wazeroRuntime) instantiate() (coreInstance, error) {
	mod, err := r.runtime.InstantiateModule(context.Background(), r.compiled, r.config)
	if err != nil {
		return nil, err
	}
	if mod.Memory() == nil {
		mod.Close(context.Background())
		return nil, fmt.Errorf("the core module exports no memory")
	}
	return &wazeroInstance{module: mod, mem: mod.Memory()}, nil
}

type wazeroInstance struct {
	module api.Module
	mem    api.Memory
	funcs  []api.Function
}

func (i *wazeroInstance) resolve(names []string) error {
	i.funcs = make([]api.Function, len(names))
	for k, name := range names {
		f := i.module.ExportedFunction(name)
		if f == nil {
			return fmt.Errorf("the core module lacks the export %s", name)
		}
		i.funcs[k] = f
	}
	return nil
}

func (i *wazeroInstance) call(k int, stack []uint64) error {
	return i.funcs[k].CallWithStack(context.Background(), stack)
}

func (i *wazeroInstance) memory() []byte {
	b, _ := i.mem.Read(0, i.mem.Size())
	return b
}

func (i *wazeroInstance) close() { i.module.Close(context.Background()) }
