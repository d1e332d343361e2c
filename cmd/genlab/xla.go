//go:build xla

package main

// Built with -tags xla, the command can run on GoMLX's XLA backend (GOMLX_BACKEND=xla:...).
import _ "github.com/genlab-go/genlab/backend/xla"
