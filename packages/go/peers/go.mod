module github.com/paywit/paywit/packages/go/peers

go 1.25.0

replace github.com/paywit/paywit/packages/go => ../

require (
	github.com/paywit/paywit/packages/go v0.0.0-00010101000000-000000000000
	github.com/standard-webhooks/standard-webhooks/libraries v0.0.1
	github.com/stripe/stripe-go/v82 v82.5.1
	github.com/svix/svix-webhooks v1.44.0
)

require (
	github.com/bytecodealliance/wasmtime-go/v39 v39.0.1 // indirect
	github.com/tetratelabs/wazero v1.12.0 // indirect
	golang.org/x/sys v0.44.0 // indirect
	gopkg.in/validator.v2 v2.0.1 // indirect
)
