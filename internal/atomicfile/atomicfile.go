// Package atomicfile writes files so that whoever reads them, and whatever stops the
// writer (a crash, a kill, a full disk), sees either the old file whole or the new one
// whole: the one way genlab writes a checkpoint, a course run, a figure, a download.
package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes data to path atomically (Write).
func WriteFile(path string, data []byte) error {
	return Write(path, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write writes path atomically: fill writes the contents into a temporary file beside
// path (its folder made if missing), which is synced to disk, made readable (0644) and
// renamed over path. On any error path is untouched and the temporary file removed.
func Write(path string, fill func(w io.Writer) error) error {
	return WriteVerified(path, fill, nil)
}

// WriteVerified is Write with a check of the finished temporary file (by its name)
// before it replaces path: a download's checksum. A failed check leaves path untouched.
func WriteVerified(path string, fill func(w io.Writer) error, verify func(tmp string) error) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	tmp, err := os.CreateTemp(dir, filepath.Base(path)+".tmp-*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // a no-op once renamed
	w := bufio.NewWriterSize(tmp, 1<<20)
	err = fill(w)
	if err == nil {
		err = w.Flush()
	}
	if err == nil {
		err = tmp.Sync()
	}
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("writing %s: %w", path, err)
	}
	if verify != nil {
		if err := verify(tmp.Name()); err != nil {
			return err
		}
	}
	if err := os.Chmod(tmp.Name(), 0o644); err != nil { // CreateTemp makes it 0600
		return err
	}
	return os.Rename(tmp.Name(), path)
}
