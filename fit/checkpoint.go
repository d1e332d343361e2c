package fit

import (
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"

	"github.com/genlab-go/genlab/internal/atomicfile"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// CheckpointFile is the name of the checkpoint inside a checkpoint directory.
const CheckpointFile = "checkpoint.genlab"

const magic = "GENLAB-CHECKPOINT-1\n"

type ckptVar struct {
	Path   string       `json:"path"`
	DType  dtypes.DType `json:"dtype"`
	Dims   []int        `json:"dims"`
	Offset int64        `json:"offset"`
	Length int64        `json:"length"`
	// Trainable is whether an optimizer may update the variable: false for the random
	// state, the step counter, optimizer moments and running averages. A variable that
	// a resumed run creates from the checkpoint must keep it, or Adam starts "training"
	// the random state (nil in checkpoints written before genlab recorded it).
	Trainable *bool `json:"trainable,omitempty"`
}

type ckptHeader struct {
	Step   int64             `json:"step"`
	Meta   map[string]string `json:"meta,omitempty"`
	Vars   []ckptVar         `json:"vars"`
	SHA256 string            `json:"sha256"` // of the data section
}

// ErrCorruptCheckpoint is wrapped by errors for checkpoints that cannot be trusted.
var ErrCorruptCheckpoint = errors.New("corrupt checkpoint")

// Save writes every variable of store, the step and meta to dir/checkpoint.genlab. It
// writes a temporary file, syncs it and renames it over the old checkpoint: a crash
// at any point leaves either the old or the new checkpoint, complete.
func Save(dir string, store *model.Store, step int64, meta map[string]string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("fit: checkpoint dir: %w", err)
	}
	var vars []*model.Variable
	for v := range store.IterVariables() {
		vars = append(vars, v)
	}
	sort.Slice(vars, func(i, j int) bool { return vars[i].Path() < vars[j].Path() })
	var data bytes.Buffer
	h := ckptHeader{Step: step, Meta: meta}
	for _, v := range vars {
		t, err := v.Value()
		if err != nil {
			return fmt.Errorf("fit: checkpoint: variable %s: %w", v.Path(), err)
		}
		off := int64(data.Len())
		if err := t.ConstBytes(func(b []byte) { data.Write(b) }); err != nil {
			return fmt.Errorf("fit: checkpoint: variable %s: %w", v.Path(), err)
		}
		h.Vars = append(h.Vars, ckptVar{Path: v.Path(), DType: t.DType(), Dims: t.Shape().Dimensions,
			Offset: off, Length: int64(data.Len()) - off, Trainable: &v.Trainable})
	}
	sum := sha256.Sum256(data.Bytes())
	h.SHA256 = hex.EncodeToString(sum[:])
	header, err := json.Marshal(h)
	if err != nil {
		return fmt.Errorf("fit: checkpoint header: %w", err)
	}
	err = atomicfile.Write(filepath.Join(dir, CheckpointFile), func(w io.Writer) error {
		if _, err := io.WriteString(w, magic); err != nil {
			return err
		}
		if err := binary.Write(w, binary.LittleEndian, uint64(len(header))); err != nil {
			return err
		}
		if _, err := w.Write(header); err != nil {
			return err
		}
		_, err := w.Write(data.Bytes())
		return err
	})
	if err != nil {
		return fmt.Errorf("fit: checkpoint: %w", err)
	}
	return nil
}

// HasCheckpoint reports whether dir holds a checkpoint.
func HasCheckpoint(dir string) bool {
	_, err := os.Stat(filepath.Join(dir, CheckpointFile))
	return dir != "" && err == nil
}

// Load reads dir/checkpoint.genlab into store, creating or overwriting its variables,
// and returns the step and metadata it was saved with. A truncated or corrupted file
// gives an error wrapping ErrCorruptCheckpoint, and store is left unchanged.
func Load(dir string, store *model.Store) (step int64, meta map[string]string, err error) {
	path := filepath.Join(dir, CheckpointFile)
	f, err := os.Open(path)
	if err != nil {
		return 0, nil, fmt.Errorf("fit: %w", err)
	}
	defer f.Close()
	r := bufio.NewReader(f)
	h, err := readHeader(r, path, fileSize(f))
	if err != nil {
		return 0, nil, err
	}
	bad := func(why string, args ...any) error { return corrupt(path, why, args...) }
	data, err := io.ReadAll(r)
	if err != nil {
		return 0, nil, bad("reading data: %v", err)
	}
	sum := sha256.Sum256(data)
	if hex.EncodeToString(sum[:]) != h.SHA256 {
		return 0, nil, bad("data checksum mismatch (truncated or damaged file)")
	}
	// Decode everything before touching the store, so that a bad file changes nothing.
	values := make([]*tensors.Tensor, len(h.Vars))
	for i, v := range h.Vars {
		if !v.DType.IsSupported() || v.DType.IsPacked() || slices.ContainsFunc(v.Dims, func(d int) bool { return d < 0 || d > 1<<40 }) {
			return 0, nil, bad("variable %s: bad dtype or shape %s%v", v.Path, v.DType, v.Dims)
		}
		shape := shapes.Make(v.DType, v.Dims...)
		if v.Offset < 0 || v.Length != int64(shape.Memory()) || v.Offset+v.Length > int64(len(data)) {
			return 0, nil, bad("variable %s: bad extent", v.Path)
		}
		t := tensors.FromShape(shape)
		if err := t.MutableBytes(func(b []byte) { copy(b, data[v.Offset:v.Offset+v.Length]) }); err != nil {
			return 0, nil, fmt.Errorf("fit: %s: variable %s: %w", path, v.Path, err)
		}
		values[i] = t
	}
	for i, v := range h.Vars {
		if existing := store.GetVariable(v.Path); existing != nil {
			if !existing.Shape().Equal(values[i].Shape()) {
				return 0, nil, fmt.Errorf("fit: %s: variable %s has shape %s in the checkpoint but %s in the model "+
					"(was it saved with another configuration?)", path, v.Path, values[i].Shape(), existing.Shape())
			}
			if err := existing.SetValue(values[i]); err != nil {
				return 0, nil, fmt.Errorf("fit: %s: %w", path, err)
			}
			continue
		}
		nv, err := store.CreateVariable(v.Path, values[i])
		if err != nil {
			return 0, nil, fmt.Errorf("fit: %s: %w", path, err)
		}
		nv.SetTrainable(v.trainable())
	}
	return h.Step, h.Meta, nil
}

// trainable is the variable's recorded trainability or, for a checkpoint written before
// it was recorded, a guess from its name and type: GoMLX's internal variables (the
// random state, the global step) and the optimizer's live under names with "#" or
// under /AdamOptimizer, and only floating-point variables are trained.
func (v ckptVar) trainable() bool {
	if v.Trainable != nil {
		return *v.Trainable
	}
	return Trainable(v.Path, v.DType)
}

// Trainable guesses from a variable's name and type whether an optimizer may update it,
// for weights stored without that fact (old checkpoints, safetensors). Models that
// freeze a float variable of their own (running averages, a weight average) say so
// again whenever they build their graph.
func Trainable(path string, dt dtypes.DType) bool {
	return dt.IsFloat() && !strings.Contains(path, "#") && !strings.Contains(path, "global_step") &&
		!strings.HasPrefix(path, "/AdamOptimizer") &&
		!strings.HasSuffix(path, "/mean") && !strings.HasSuffix(path, "/variance") // blocks.BatchNorm's running averages
}

// ReadMeta returns the metadata of dir's checkpoint without loading its variables.
func ReadMeta(dir string) (map[string]string, error) {
	h, err := headerOf(dir)
	return h.Meta, err
}

// CheckpointStep returns the step dir's checkpoint holds, without loading its
// variables: where a run trained in stages resumes.
func CheckpointStep(dir string) (int, error) {
	h, err := headerOf(dir)
	return int(h.Step), err
}

func headerOf(dir string) (ckptHeader, error) {
	path := filepath.Join(dir, CheckpointFile)
	f, err := os.Open(path)
	if err != nil {
		return ckptHeader{}, fmt.Errorf("fit: no checkpoint: %w", err)
	}
	defer f.Close()
	return readHeader(bufio.NewReader(f), path, fileSize(f))
}

// fileSize is f's size, or -1 when it cannot be read (then nothing is bounded by it).
func fileSize(f *os.File) int64 {
	st, err := f.Stat()
	if err != nil {
		return -1
	}
	return st.Size()
}

// corrupt is the error for a checkpoint at path that cannot be trusted.
func corrupt(path, why string, args ...any) error {
	return fmt.Errorf("fit: %s: %w: %s (delete it to train from scratch)", path, ErrCorruptCheckpoint, fmt.Sprintf(why, args...))
}

// readHeader reads the magic line and the JSON header of the checkpoint at path, a
// file of size bytes, leaving r at the start of the data section. A header length past
// the file's end is an error before anything is allocated for it (a damaged length
// would otherwise ask for up to a gigabyte).
func readHeader(r *bufio.Reader, path string, size int64) (ckptHeader, error) {
	bad := func(why string, args ...any) error { return corrupt(path, why, args...) }
	m := make([]byte, len(magic))
	if _, err := io.ReadFull(r, m); err != nil || string(m) != magic {
		return ckptHeader{}, bad("not a genlab checkpoint")
	}
	var hlen uint64
	if err := binary.Read(r, binary.LittleEndian, &hlen); err != nil || hlen > 1<<30 {
		return ckptHeader{}, bad("bad header length")
	}
	if size >= 0 && hlen > uint64(max(size-int64(len(magic))-8, 0)) {
		return ckptHeader{}, bad("header length %d past the end of the file's %d bytes (truncated?)", hlen, size)
	}
	hb := make([]byte, hlen)
	if _, err := io.ReadFull(r, hb); err != nil {
		return ckptHeader{}, bad("truncated header")
	}
	var h ckptHeader
	if err := json.Unmarshal(hb, &h); err != nil {
		return ckptHeader{}, bad("header: %v", err)
	}
	return h, nil
}
