package datasets

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Source is a dataset that can be loaded by name: each source package (mnist, faces,
// shapes) registers its datasets from its init, and the genlab command and the
// notebooks call Load with a name instead of knowing which package reads it.
type Source struct {
	Name string
	// Load returns one split from the data directory dir with images of size x size
	// pixels; size 0 is the size the course trains at (the faces at 32x32: what two CPU
	// cores train a DCGAN on in minutes). A size the source cannot give is an error.
	Load func(ctx context.Context, dir string, split Split, size int) (*Images, error)
	// Grid returns every combination of the generative factors once, for
	// disentanglement metrics (MIG); nil where the data's factors are not a designed
	// grid (the faces' ages and races are observed, not laid out).
	Grid func() (*Images, error)
	// Generated says the images are drawn in code: there is no file to fetch or verify.
	Generated bool
	// Hint says how to get the data when it is missing and cannot be downloaded ("" if
	// Load downloads it).
	Hint string
}

var (
	sourcesMu sync.RWMutex
	sources   = map[string]Source{}
)

// Register makes a dataset loadable by name; it panics on a duplicate or incomplete
// registration (a programming error in an init).
func Register(s Source) {
	sourcesMu.Lock()
	defer sourcesMu.Unlock()
	if s.Name == "" || s.Load == nil {
		panic(fmt.Sprintf("datasets: incomplete source %q", s.Name))
	}
	if _, dup := sources[s.Name]; dup {
		panic("datasets: " + s.Name + " registered twice")
	}
	sources[s.Name] = s
}

// Lookup returns the source of a dataset by name, or an error naming the registered
// ones.
func Lookup(name string) (Source, error) {
	sourcesMu.RLock()
	s, ok := sources[name]
	sourcesMu.RUnlock()
	if !ok {
		return s, fmt.Errorf("unknown dataset %q (want %s; a source registers when its package, e.g. datasets/mnist, is imported)",
			name, strings.Join(Names(), ", "))
	}
	return s, nil
}

// Names lists the registered datasets, sorted.
func Names() []string {
	sourcesMu.RLock()
	defer sourcesMu.RUnlock()
	names := make([]string, 0, len(sources))
	for n := range sources {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Load returns a split of the named dataset, at its default size, from the data
// directory Dir(dir) ("" for the default: $GENLAB_DATA, else the user cache).
func Load(ctx context.Context, dir, name string, split Split) (*Images, error) {
	return LoadSize(ctx, dir, name, split, 0)
}

// LoadSize is Load with images of size x size pixels (0: the dataset's default).
func LoadSize(ctx context.Context, dir, name string, split Split, size int) (*Images, error) {
	s, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	return s.Load(ctx, Dir(dir), split, size)
}

// CheckSize is the size check of a source whose images come in one size only.
func CheckSize(name string, size, native int) error {
	if size != 0 && size != native {
		return fmt.Errorf("datasets: %s comes in %dx%d only, not %d", name, native, native, size)
	}
	return nil
}

// Check returns a clear error if d is not a valid set of h x w x c images.
func (d *Images) Check(h, w, c int) error {
	if d == nil {
		return fmt.Errorf("no data")
	}
	if err := d.Validate(); err != nil {
		return err
	}
	if d.H != h || d.W != w || d.C != c {
		return fmt.Errorf("data %s has %dx%dx%d images but the model expects %dx%dx%d", d.Name, d.H, d.W, d.C, h, w, c)
	}
	return nil
}
