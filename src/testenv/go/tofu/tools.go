//go:build tools

// Package tools pins the commands this wrapper builds; `go mod tidy` keeps their dependencies.
package tools

import (
	_ "github.com/opentofu/opentofu/cmd/tofu"
)
