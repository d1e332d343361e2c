//go:build notebooks

// Package notebooks holds the course notebooks. This file is never built: it lists the
// packages the notebooks import that genlab itself does not, so that go.mod pins them
// (GoNB cells can only import what the module graph already has).
package notebooks

import (
	_ "github.com/janpfeifer/must"
)
