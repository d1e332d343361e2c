package datasets

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"image"
	"image/jpeg"
	"os"
	"path/filepath"
	"slices"
	"strings"
)

// JPEGs is a folder of JPEG files of one size, pinned by their number and one SHA-256
// of all their bytes in a fixed order, and split by HeldOut on their names: the layout
// of the pix2pix maps and of the photos without faces.
type JPEGs struct {
	Folder    string
	Files     int                   // the number of .jpg files (0: not checked)
	SHA256    string                // of all their bytes, in Order ("": not checked)
	Order     func(a, b string) int // the files' order (nil: by name)
	OrderName string                // how the order is called in errors ("name order")
	W, H      int                   // every image's size
	TestEvery uint32                // HeldOut's rule
	Hint      string                // what to do about a missing or damaged folder
}

// Each reads every file in order (the checksum covers all of them, so a damaged file
// in the other split is found too) and calls fn with the name and the decoded image of
// each file of split, in order. Errors are *Error values naming the file or the folder.
func (j JPEGs) Each(ctx context.Context, split Split, fn func(name string, img image.Image)) error {
	if split != Train && split != Test {
		return fmt.Errorf("datasets: unknown split %q (want %q or %q)", split, Train, Test)
	}
	entries, err := os.ReadDir(j.Folder)
	if err != nil {
		return &Error{Path: j.Folder, Err: err, Hint: j.Hint}
	}
	var files []string
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".jpg") {
			files = append(files, e.Name())
		}
	}
	if j.Files > 0 && len(files) != j.Files {
		return &Error{Path: j.Folder, Err: fmt.Errorf("%w: %d JPEGs, want %d", ErrChecksum, len(files), j.Files),
			Hint: "files are missing or extra: " + j.Hint}
	}
	if j.Order != nil {
		slices.SortFunc(files, j.Order)
	} else {
		slices.Sort(files)
	}
	all := sha256.New()
	for i, name := range files {
		if i%128 == 0 && ctx.Err() != nil {
			return ctx.Err()
		}
		path := filepath.Join(j.Folder, name)
		b, err := os.ReadFile(path)
		if err != nil {
			return &Error{Path: path, Err: err, Hint: j.Hint}
		}
		all.Write(b)
		if HeldOut(name, j.TestEvery) != (split == Test) {
			continue
		}
		// The header first: the decoder allocates the whole image its header claims
		// before it reads a pixel, so a corrupt file claiming 65,295 x 12,525 pixels
		// (found by FuzzJPEGs) would take 1.2 GB of a learner's memory before failing.
		cfg, err := jpeg.DecodeConfig(bytes.NewReader(b))
		if err != nil {
			return &Error{Path: path, Err: fmt.Errorf("decoding JPEG: %w", err), Hint: "the image is corrupt or truncated: " + j.Hint}
		}
		if cfg.Width != j.W || cfg.Height != j.H {
			return &Error{Path: path, Err: fmt.Errorf("image is %dx%d, want %dx%d", cfg.Width, cfg.Height, j.W, j.H), Hint: j.Hint}
		}
		img, err := jpeg.Decode(bytes.NewReader(b))
		if err != nil {
			return &Error{Path: path, Err: fmt.Errorf("decoding JPEG: %w", err), Hint: "the image is corrupt or truncated: " + j.Hint}
		}
		if r := img.Bounds(); r.Dx() != j.W || r.Dy() != j.H {
			return &Error{Path: path, Err: fmt.Errorf("image is %dx%d, want %dx%d", r.Dx(), r.Dy(), j.W, j.H), Hint: j.Hint}
		}
		fn(name, img)
	}
	if got := hex.EncodeToString(all.Sum(nil)); j.SHA256 != "" && got != j.SHA256 {
		order := j.OrderName
		if order == "" {
			order = "name order"
		}
		return &Error{Path: j.Folder,
			Err:  fmt.Errorf("%w: sha256 of the JPEGs (in %s) %s, want %s", ErrChecksum, order, got, j.SHA256),
			Hint: "some image differs from the expected copy: " + j.Hint}
	}
	return nil
}
