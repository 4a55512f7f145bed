//go:build tools

// Package tools pins the commands this wrapper builds; `go mod tidy` keeps their dependencies.
package tools

import (
	_ "github.com/siderolabs/talos/pkg/machinery/config/configpatcher"
	_ "posture.dev/testenv/talosvalidate/cmd/talosvalidate"
)
