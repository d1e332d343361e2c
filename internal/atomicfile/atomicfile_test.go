package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

// A write that fails part way, or whose check fails, leaves the old file whole and no
// temporary file; a good one replaces it, readable by all, in a folder made for it.
func TestWrite(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "f.bin")
	if err := WriteFile(path, []byte("old")); err != nil {
		t.Fatal(err)
	}
	failed := errors.New("disk full")
	err := Write(path, func(w io.Writer) error {
		w.Write([]byte("half of the new"))
		return failed
	})
	if !errors.Is(err, failed) {
		t.Errorf("a failing fill: %v", err)
	}
	bad := errors.New("checksum mismatch")
	if err := WriteVerified(path, func(w io.Writer) error { _, err := w.Write([]byte("corrupt")); return err },
		func(string) error { return bad }); !errors.Is(err, bad) {
		t.Errorf("a failing check: %v", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "old" {
		t.Errorf("after two failed writes the file holds %q, want the old one", b)
	}
	checked := ""
	if err := WriteVerified(path, func(w io.Writer) error { _, err := w.Write([]byte("new")); return err },
		func(tmp string) error { b, err := os.ReadFile(tmp); checked = string(b); return err }); err != nil {
		t.Fatal(err)
	}
	st, err := os.Stat(path)
	if b, _ := os.ReadFile(path); string(b) != "new" || checked != "new" || err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("after a good write: %q (checked %q), mode %v, %v", b, checked, st.Mode(), err)
	}
	if left, _ := filepath.Glob(filepath.Join(dir, "sub", "*.tmp-*")); len(left) != 0 {
		t.Errorf("temporary files left: %v", left)
	}
}
