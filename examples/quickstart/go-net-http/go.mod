module example.com/paywit-quickstart

go 1.25.0

require github.com/paywit/paywit/packages/go v0.1.0

require (
	github.com/bytecodealliance/wasmtime-go/v39 v39.0.1 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	golang.org/x/sys v0.44.0 // indirect
)

// Until the release's module zip is published, the module comes from this checkout.
replace github.com/paywit/paywit/packages/go => ../../../packages/go
