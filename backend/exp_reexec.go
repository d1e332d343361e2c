//go:build unix

package backend

import (
	"os"
	"syscall"
)

// Reexec re-executes the running program with ExpSetting added to GODEBUG when
// math.Exp is on its slow path (SlowExp) and GODEBUG does not already decide: the
// runtime reads cpu settings only at startup, so a command's main calls this first. The
// process keeps its PID, arguments and the rest of its environment. It returns only
// when there is nothing to do or the re-execution failed (then the program runs on,
// slower).
func Reexec() error {
	if !SlowExp() || ExpSettingSet() {
		return nil
	}
	exe, err := os.Executable()
	if err != nil {
		return err
	}
	return syscall.Exec(exe, os.Args, WithExpSetting(os.Environ()))
}
