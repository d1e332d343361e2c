package datasets

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/genlab-go/genlab/internal/atomicfile"
)

// DirEnv is the environment variable that sets the data directory.
const DirEnv = "GENLAB_DATA"

// OfflineEnv, when set to a non-empty value, forbids downloads.
const OfflineEnv = "GENLAB_OFFLINE"

// Dir returns the data directory: override if not empty, else $GENLAB_DATA, else
// genlab/datasets under the user's cache directory.
func Dir(override string) string {
	if override != "" {
		return override
	}
	if d := os.Getenv(DirEnv); d != "" {
		return d
	}
	if c, err := os.UserCacheDir(); err == nil {
		return filepath.Join(c, "genlab", "datasets")
	}
	return filepath.Join(os.TempDir(), "genlab", "datasets")
}

// File describes one data file: where it lives under the data directory, the SHA-256
// and size of its uncompressed content, and where to download it.
//
// Checksums are of the uncompressed bytes because the same content circulates in
// differently compressed .gz files; a raw (uncompressed) copy under the name without
// ".gz" is accepted too.
type File struct {
	Path   string   // relative to the data directory, e.g. "mnist/train-images-idx3-ubyte.gz"
	SHA256 string   // hex SHA-256 of the uncompressed content
	Size   int64    // uncompressed size in bytes
	URLs   []string // download mirrors, tried in order
}

// Error is what Read returns when a file is missing, unreadable or corrupt. It names the
// file and says what to do.
type Error struct {
	Path string // absolute path of the file
	Err  error
	Hint string
}

func (e *Error) Error() string {
	return fmt.Sprintf("datasets: %s: %v; %s", e.Path, e.Err, e.Hint)
}

func (e *Error) Unwrap() error { return e.Err }

// ErrChecksum is wrapped by errors for content that does not match its checksum.
var ErrChecksum = errors.New("checksum mismatch")

// Options tune Read.
type Options struct {
	// Offline forbids downloads (also set by $GENLAB_OFFLINE).
	Offline bool
	// Log receives one line per download (nil: os.Stderr).
	Log io.Writer
	// Client is the HTTP client for downloads (nil: one with a 10-minute timeout).
	Client *http.Client
}

// Read returns the verified, uncompressed content of f from dir, downloading it first
// if it is missing and downloads are allowed.
func Read(ctx context.Context, dir string, f File, opts Options) ([]byte, error) {
	path := filepath.Join(dir, filepath.FromSlash(f.Path))
	candidates := []string{path}
	if raw, ok := strings.CutSuffix(path, ".gz"); ok {
		candidates = append(candidates, raw)
	}
	for _, p := range candidates {
		if _, err := os.Stat(p); err == nil {
			data, err := readVerified(p, f)
			if err != nil {
				return nil, &Error{Path: p, Err: err, Hint: fmt.Sprintf(
					"the file is corrupt or truncated: delete it and run `genlab data` to download it again, "+
						"or copy a good one into %s", filepath.Dir(p))}
			}
			return data, nil
		}
	}
	offline := opts.Offline || os.Getenv(OfflineEnv) != ""
	if offline || len(f.URLs) == 0 {
		why := "downloads are off ($" + OfflineEnv + " is set)"
		if len(f.URLs) == 0 {
			why = "it has no download mirror"
		}
		return nil, &Error{Path: path, Err: os.ErrNotExist, Hint: fmt.Sprintf(
			"%s: copy the file there, or point $%s (or --data) at a directory that has it", why, DirEnv)}
	}
	if err := Download(ctx, path, f, opts); err != nil {
		return nil, err
	}
	return readVerified(path, f)
}

// readVerified reads path, gunzips it if it is gzip'd, and checks size and checksum.
func readVerified(path string, f File) ([]byte, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	data, err := maybeGunzip(raw)
	if err != nil {
		return nil, err
	}
	return data, verify(data, f)
}

func maybeGunzip(raw []byte) ([]byte, error) {
	if len(raw) < 2 || raw[0] != 0x1f || raw[1] != 0x8b {
		return raw, nil
	}
	// compress/gzip's errors already say "gzip: ".
	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return nil, err
	}
	data, err := io.ReadAll(zr)
	if err != nil {
		return nil, fmt.Errorf("%w (truncated download?)", err)
	}
	return data, nil
}

func verify(data []byte, f File) error {
	if f.Size > 0 && int64(len(data)) != f.Size {
		return fmt.Errorf("%w: uncompressed size %d bytes, want %d (truncated?)", ErrChecksum, len(data), f.Size)
	}
	if f.SHA256 != "" {
		sum := sha256.Sum256(data)
		if got := hex.EncodeToString(sum[:]); got != f.SHA256 {
			return fmt.Errorf("%w: sha256 of content %s, want %s", ErrChecksum, got, f.SHA256)
		}
	}
	return nil
}

// Download fetches f into path from the first mirror that serves content matching the
// checksum. It writes a temporary file beside path and renames it into place only after
// verification, so path is either absent or complete.
func Download(ctx context.Context, path string, f File, opts Options) error {
	log := opts.Log
	if log == nil {
		log = os.Stderr
	}
	client := opts.Client
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Minute}
	}
	// The folders this download creates, deepest first: removed again if it fails, so
	// that a failed download leaves nothing that looks like a dataset behind.
	var created []string
	for d := filepath.Dir(path); ; d = filepath.Dir(d) {
		if _, err := os.Stat(d); err == nil || filepath.Dir(d) == d {
			break
		}
		created = append(created, d)
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return &Error{Path: path, Err: err, Hint: "cannot create the data directory: set $" + DirEnv + " to a writable one"}
	}
	var errs []error
	defer func() {
		if len(errs) == len(f.URLs) { // every mirror failed
			for _, d := range created {
				os.Remove(d) // only if empty
			}
		}
	}()
	for _, url := range f.URLs {
		fmt.Fprintf(log, "datasets: downloading %s from %s\n", f.Path, url)
		err := downloadOne(ctx, client, url, path, f)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("%s: %w", url, err))
	}
	return &Error{Path: path, Err: errors.Join(errs...), Hint: fmt.Sprintf(
		"no mirror served a good copy: download it by hand into %s, or set $%s to a directory that has it",
		filepath.Dir(path), DirEnv)}
}

func downloadOne(ctx context.Context, client *http.Client, url, path string, f File) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := client.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("HTTP %s", resp.Status)
	}
	// Only a file whose checksum is right replaces what path holds.
	return atomicfile.WriteVerified(path, func(w io.Writer) error {
		if _, err := io.Copy(w, resp.Body); err != nil {
			return fmt.Errorf("reading body: %w", err)
		}
		return nil
	}, func(tmp string) error {
		_, err := readVerified(tmp, f)
		return err
	})
}
