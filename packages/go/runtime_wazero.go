// The default runtime: wazero, pure Go (no cgo). The module is compiled once
// per process by wazero's optimizing compiler (its interpreter where the compiler
// has no backend), and each instance is an anonymous module instance of it.

package paywit

import (
	"context"
	"fmt"

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
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	_, err := rt.NewHostModuleBuilder("wasi:random/random@0.2.0").
		NewFunctionBuilder().
		WithGoModuleFunction(api.GoModuleFunc(func(_ context.Context, _ api.Module, stack []uint64) {
			stack[0] = randomU64()
		}), nil, []api.ValueType{api.ValueTypeI64}).
		Export("get-random-u64").
		Instantiate(ctx)
	if err != nil {
		return nil, err
	}
	compiled, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		return nil, err
	}
	// Anonymous instances (many of one module), no start function.
	config := wazero.NewModuleConfig().WithName("").WithStartFunctions()
	return &wazeroRuntime{runtime: rt, compiled: compiled, config: config}, nil
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
