package fit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"runtime"
	"runtime/debug"
	"strings"

	"github.com/genlab-go/genlab/datasets"
)

// manifestKey is the checkpoint metadata entry holding the run's Manifest.
const manifestKey = "fit/manifest"

// dataKey is the metadata entry a model's Train sets (ModelMeta) with its data's Digest.
const dataKey = "data"

// Manifest says what made a checkpoint, so that a lecture's numbers can be traced and
// remade: beside the model's configuration (in the checkpoint too), every process that
// trained it, with what it was built from, the seed and the data it read and the steps
// it did. A run resumed by another commit, with another seed or on other data says so.
type Manifest struct {
	Runs []Build `json:"runs"`
}

// Build is one process's part of a run: what it was built from and ran on, its seed
// and data, and the steps it trained (From to To).
type Build struct {
	Genlab  string  `json:"genlab"` // the commit ("-dirty" with uncommitted changes), or the module version
	Go      string  `json:"go"`
	GoMLX   string  `json:"gomlx"`
	Backend string  `json:"backend"`
	Seed    int64   `json:"seed"`
	Data    *Digest `json:"data,omitempty"`
	From    int     `json:"from"`
	To      int     `json:"to"`
	// Cores is GOMAXPROCS, and Seconds the process's wall time from its first step to
	// its last checkpoint: the core-hours a course run has cost (0 in checkpoints
	// written before they were recorded).
	Cores   int     `json:"cores,omitempty"`
	Seconds float64 `json:"seconds,omitempty"`
	// CPUSeconds is the CPU time the process had used at that checkpoint (its training
	// and whatever else it did): the core-seconds it cost, paused or sharing its cores.
	CPUSeconds float64 `json:"cpu_seconds,omitempty"`
}

// Digest identifies a dataset as a model read it: its name, size and shape, and the
// SHA-256 of its pixels (as float32, little-endian) and labels. Two loads of the same
// files at the same size give the same digest on any machine; a changed file, another
// size or another split does not.
type Digest struct {
	Name   string `json:"name"`
	N      int    `json:"n"`
	Shape  string `json:"shape"` // HxWxC
	SHA256 string `json:"sha256"`
}

// DigestOf computes d's Digest.
func DigestOf(d *datasets.Images) Digest {
	h := sha256.New()
	buf := make([]byte, 0, 1<<16)
	for i := range d.N { // image by image: bytes are read as the float32 they stand for
		for _, p := range d.Image(i) {
			buf = binary.LittleEndian.AppendUint32(buf, math.Float32bits(p))
			if len(buf) == cap(buf) {
				h.Write(buf)
				buf = buf[:0]
			}
		}
	}
	h.Write(buf)
	buf = buf[:0]
	for _, l := range d.Labels {
		buf = binary.LittleEndian.AppendUint32(buf, uint32(l))
	}
	h.Write(buf)
	return Digest{Name: d.Name, N: d.N, Shape: fmt.Sprintf("%dx%dx%d", d.H, d.W, d.C), SHA256: hex.EncodeToString(h.Sum(nil))}
}

// String is the digest in one line, the hash shortened.
func (d Digest) String() string {
	return fmt.Sprintf("%s (%d images of %s, sha256 %.12s)", d.Name, d.N, d.Shape, d.SHA256)
}

// String is the manifest in a line per process, for `genlab eval` and the notebooks.
func (m Manifest) String() string {
	var lines []string
	for _, r := range m.Runs {
		l := fmt.Sprintf("steps %d-%d: genlab %s, %s, gomlx %s, backend %s, seed %d", r.From, r.To, r.Genlab, r.Go, r.GoMLX, r.Backend, r.Seed)
		if r.Data != nil {
			l += ", data " + r.Data.String()
		}
		lines = append(lines, l)
	}
	return strings.Join(lines, "\n")
}

// Data is the digest of the data the run last trained on (nil if none was recorded).
func (m Manifest) Data() *Digest {
	if len(m.Runs) == 0 {
		return nil
	}
	return m.Runs[len(m.Runs)-1].Data
}

// ReadManifest returns the manifest of dir's checkpoint (one written before manifests
// existed gives an error).
func ReadManifest(dir string) (Manifest, error) {
	meta, err := ReadMeta(dir)
	if err != nil {
		return Manifest{}, err
	}
	return manifestOf(dir, meta)
}

func manifestOf(dir string, meta map[string]string) (Manifest, error) {
	var m Manifest
	raw := meta[manifestKey]
	if raw == "" {
		return m, fmt.Errorf("fit: %s has no run manifest (written before genlab recorded them)", dir)
	}
	if err := json.Unmarshal([]byte(raw), &m); err != nil {
		return m, fmt.Errorf("fit: %s: bad run manifest: %w", dir, err)
	}
	return m, nil
}

// thisBuild describes the running binary: genlab's commit or version, Go's and GoMLX's
// versions, from the build information Go embeds.
func thisBuild(backendName string) Build {
	b := Build{Genlab: "unknown", Go: runtime.Version(), GoMLX: "unknown", Backend: backendName, Cores: runtime.GOMAXPROCS(0)}
	info, ok := debug.ReadBuildInfo()
	if !ok {
		return b
	}
	const genlab, gomlx = "github.com/genlab-go/genlab", "github.com/gomlx/gomlx"
	if info.Main.Path == genlab {
		b.Genlab = info.Main.Version
		var rev, dirty string
		for _, s := range info.Settings {
			switch {
			case s.Key == "vcs.revision":
				rev = s.Value
			case s.Key == "vcs.modified" && s.Value == "true":
				dirty = "-dirty"
			}
		}
		if rev != "" {
			b.Genlab = rev + dirty
		}
	}
	for _, dep := range info.Deps {
		switch dep.Path {
		case genlab: // a program using genlab as a library (a notebook)
			b.Genlab = dep.Version
			if dep.Replace != nil {
				b.Genlab = "local copy" // a replace directive: no commit is recorded
			}
		case gomlx:
			b.GoMLX = dep.Version
		}
	}
	return b
}
