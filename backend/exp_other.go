//go:build !unix

package backend

// Reexec does nothing where a process cannot replace itself: set GODEBUG=cpu.fma=off
// (ExpSetting) in the environment instead.
func Reexec() error { return nil }
