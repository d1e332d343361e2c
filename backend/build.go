package backend

import (
	"os"
	"strings"

	"github.com/gomlx/compute"
)

// ComputeModule is the module of GoMLX's backends. genlab carries it patched in
// third_party/compute: go.mod replaces the module with that folder, so every build in
// the checkout (the command, the tests, the notebooks, the course image) runs the
// patched pure-Go backend (docs/UPSTREAM.md says what each patch changes).
const ComputeModule = "github.com/gomlx/compute"

// patchedMark is what the patched module adds to the pure-Go backend's description
// (patches/compute-v0.1.6-describe-build.patch): test binaries carry no module build
// information, and a notebook's cell is built in a module of its own, so the backend
// says which build it is itself.
const patchedMark = "genlab-patched"

// Patched reports whether b is genlab's patched pure-Go backend.
func Patched(b compute.Backend) bool {
	return strings.Contains(b.Description(), patchedMark)
}

// BuildOf says which build of the backend b is, in a few words: genlab's patched
// pure-Go backend, the released one (go build -modfile=go.pinned.mod, or a program that
// imports genlab without its replace: a replace is not inherited), or another backend,
// to which the patches do not apply.
func BuildOf(b compute.Backend) string {
	switch {
	case Patched(b):
		return "patched pure-Go backend (" + ComputeModule + " with genlab's patches/, third_party/compute)"
	case strings.HasPrefix(b.Name(), "Go"):
		return "released pure-Go backend (" + ComputeModule + " unpatched: about half the speed; see README)"
	default:
		return b.Name() + " (genlab's patches are the pure-Go backend's; they do not apply)"
	}
}

// pinnedExpected is whether this process was told it runs the released backend on
// purpose (GENLAB_PINNED_BUILD=1: the pinned build's own test runs).
func pinnedExpected() bool { return os.Getenv("GENLAB_PINNED_BUILD") == "1" }
