package datasets

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func gz(b []byte) []byte {
	var buf bytes.Buffer
	w := gzip.NewWriter(&buf)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// TestDownload runs the real download path against a local server: a bad mirror is
// skipped, a good one lands the verified file, and a corrupt or truncated download
// leaves nothing behind.
func TestDownload(t *testing.T) {
	t.Setenv(OfflineEnv, "") // the server is local: this test runs offline too
	content := bytes.Repeat([]byte("genlab"), 1000)
	sum := sha256.Sum256(content)
	mux := http.NewServeMux()
	mux.HandleFunc("/good.gz", func(w http.ResponseWriter, r *http.Request) { w.Write(gz(content)) })
	mux.HandleFunc("/corrupt.gz", func(w http.ResponseWriter, r *http.Request) { w.Write(gz(content[1:])) })
	mux.HandleFunc("/badcrc.gz", func(w http.ResponseWriter, r *http.Request) { b := gz(content); b[len(b)-8] ^= 1; w.Write(b) })
	mux.HandleFunc("/truncated.gz", func(w http.ResponseWriter, r *http.Request) { b := gz(content); w.Write(b[:len(b)/2]) })
	srv := httptest.NewServer(mux)
	defer srv.Close()
	f := File{Path: "toy/data.gz", SHA256: hex.EncodeToString(sum[:]), Size: int64(len(content))}
	quiet := Options{Log: &bytes.Buffer{}}

	// Every mirror bad: an error that names the file, and no file (nor temp file) left.
	dir := t.TempDir()
	f.URLs = []string{srv.URL + "/missing.gz", srv.URL + "/corrupt.gz", srv.URL + "/truncated.gz"}
	if _, err := Read(context.Background(), dir, f, quiet); err == nil {
		t.Fatal("want an error when every mirror is bad")
	} else if !errors.Is(err, ErrChecksum) {
		t.Errorf("want a checksum error among the causes, got %v", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "toy")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("failed downloads left the dataset folder behind (%v)", err)
	}
	// A corrupt gzip says so once ("gzip: gzip: ..." was the old message), and the
	// file it names is readable by others (not CreateTemp's 0600).
	if _, err := Read(context.Background(), dir, File{Path: "toy/x.gz", URLs: []string{srv.URL + "/badcrc.gz"}}, quiet); err == nil ||
		strings.Contains(err.Error(), "gzip: gzip") || !strings.Contains(err.Error(), "gzip:") {
		t.Errorf("a truncated gzip: %v", err)
	}

	// A good mirror after a bad one.
	f.URLs = []string{srv.URL + "/corrupt.gz", srv.URL + "/good.gz"}
	got, err := Read(context.Background(), dir, f, quiet)
	if err != nil || !bytes.Equal(got, content) {
		t.Fatalf("download: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(dir, "toy"))
	if len(entries) != 1 || entries[0].Name() != "data.gz" {
		t.Errorf("after download the folder holds %v, want just data.gz", entries)
	}
	if st, err := os.Stat(filepath.Join(dir, "toy", "data.gz")); err != nil || st.Mode().Perm() != 0o644 {
		t.Errorf("downloaded file mode %v (%v), want 0644", st.Mode(), err)
	}
	// Offline with the file present reads it; offline without it fails.
	if _, err := Read(context.Background(), dir, f, Options{Offline: true}); err != nil {
		t.Errorf("offline read of a present file: %v", err)
	}
	if _, err := Read(context.Background(), t.TempDir(), f, Options{Offline: true}); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("offline read of a missing file: got %v", err)
	}
}

func TestSamplerIsAFunctionOfSeedAndStep(t *testing.T) {
	a, b := NewSampler(10, 4, 7), NewSampler(10, 4, 7)
	seen := map[int]int{}
	for step := range 5 { // 20 items = two full epochs
		for _, i := range a.Batch(step) {
			seen[i]++
		}
	}
	for i := range 10 {
		if seen[i] != 2 {
			t.Errorf("item %d seen %d times in two epochs", i, seen[i])
		}
	}
	// Resuming at step 3 gives the same batch as running through.
	if x, y := a.Batch(3), b.Batch(3); !slices.Equal(x, y) {
		t.Errorf("batch 3: %v vs %v", x, y)
	}
}
