// Package safetensors reads and writes the safetensors format (Hugging Face's: an 8-byte
// little-endian header length, a JSON header naming each tensor's dtype, shape and byte
// range, then the bytes), so that the course's trained weights open in PyTorch, JAX and
// Hugging Face tools as well as in genlab. It is a plain format package: no GoMLX types,
// and every malformed file is an error, never a panic or a silent misread.
package safetensors

import (
	"bytes"
	"cmp"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"sort"
)

// Tensor is one named array: its dtype as the format spells it (F32, F16, BF16, F64, I64,
// I32, I16, I8, U64, U32, U16, U8, BOOL), its shape, and its bytes, little-endian,
// row-major.
type Tensor struct {
	DType string
	Shape []int
	Data  []byte
}

// ErrFormat is wrapped by every error about a file that is not valid safetensors.
var ErrFormat = errors.New("not a valid safetensors file")

// maxHeader bounds the JSON header (the reference implementation's limit is 100 MB): a
// corrupt length must not make the reader allocate gigabytes.
const maxHeader = 100 << 20

// MetadataKey is the header entry that holds string metadata.
const MetadataKey = "__metadata__"

var elemSize = map[string]int{
	"BOOL": 1, "U8": 1, "I8": 1, "F8_E5M2": 1, "F8_E4M3": 1,
	"I16": 2, "U16": 2, "F16": 2, "BF16": 2,
	"I32": 4, "U32": 4, "F32": 4,
	"I64": 8, "U64": 8, "F64": 8,
}

// ElemSize is the size in bytes of one element of dtype (0 for a dtype the format does
// not know).
func ElemSize(dtype string) int { return elemSize[dtype] }

type entry struct {
	DType   string   `json:"dtype"`
	Shape   []int    `json:"shape"`
	Offsets [2]int64 `json:"data_offsets"`
}

// Write writes tensors (in name order) and metadata to w.
func Write(w io.Writer, tensors map[string]Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for name := range tensors {
		if name == MetadataKey || name == "" {
			return fmt.Errorf("safetensors: invalid tensor name %q", name)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	header := map[string]any{}
	if len(metadata) > 0 {
		header[MetadataKey] = metadata
	}
	var off int64
	for _, name := range names {
		t := tensors[name]
		n, err := size(t.DType, t.Shape)
		if err != nil {
			return fmt.Errorf("safetensors: tensor %s: %w", name, err)
		}
		if n != int64(len(t.Data)) {
			return fmt.Errorf("safetensors: tensor %s: %d bytes for a %s %v (want %d)", name, len(t.Data), t.DType, t.Shape, n)
		}
		shape := t.Shape
		if shape == nil {
			shape = []int{} // a scalar: JSON [] (null is not a shape)
		}
		header[name] = entry{DType: t.DType, Shape: shape, Offsets: [2]int64{off, off + n}}
		off += n
	}
	h, err := json.Marshal(header)
	if err != nil {
		return fmt.Errorf("safetensors: header: %w", err)
	}
	// Pad the header with spaces to a multiple of 8, as the reference writer does, so
	// that the data starts aligned.
	for len(h)%8 != 0 {
		h = append(h, ' ')
	}
	var n [8]byte
	binary.LittleEndian.PutUint64(n[:], uint64(len(h)))
	if _, err := w.Write(n[:]); err != nil {
		return err
	}
	if _, err := w.Write(h); err != nil {
		return err
	}
	for _, name := range names {
		if _, err := w.Write(tensors[name].Data); err != nil {
			return err
		}
	}
	return nil
}

// Read parses a whole safetensors file held in data. Every tensor's bytes alias data.
func Read(data []byte) (map[string]Tensor, map[string]string, error) {
	bad := func(format string, args ...any) error {
		return fmt.Errorf("safetensors: %w: %s", ErrFormat, fmt.Sprintf(format, args...))
	}
	if len(data) < 8 {
		return nil, nil, bad("%d bytes, shorter than the header length", len(data))
	}
	hlen := binary.LittleEndian.Uint64(data[:8])
	if hlen > maxHeader || hlen > uint64(len(data)-8) {
		return nil, nil, bad("header length %d does not fit the file's %d bytes (truncated?)", hlen, len(data))
	}
	raw := data[8 : 8+hlen]
	body := data[8+hlen:]
	dec := json.NewDecoder(bytes.NewReader(raw))
	var header map[string]json.RawMessage
	if err := dec.Decode(&header); err != nil {
		return nil, nil, bad("header: %v", err)
	}
	if header == nil {
		return nil, nil, bad("header is not a JSON object")
	}
	var metadata map[string]string
	if m, ok := header[MetadataKey]; ok {
		if err := json.Unmarshal(m, &metadata); err != nil {
			return nil, nil, bad("metadata: %v", err)
		}
		delete(header, MetadataKey)
	}
	type span struct {
		name       string
		begin, end int64
	}
	spans := make([]span, 0, len(header))
	tensors := make(map[string]Tensor, len(header))
	for name, msg := range header {
		var e entry
		d := json.NewDecoder(bytes.NewReader(msg))
		d.DisallowUnknownFields()
		if err := d.Decode(&e); err != nil {
			return nil, nil, bad("tensor %q: %v", name, err)
		}
		n, err := size(e.DType, e.Shape)
		if err != nil {
			return nil, nil, bad("tensor %q: %v", name, err)
		}
		b, end := e.Offsets[0], e.Offsets[1]
		if b < 0 || end < b || end > int64(len(body)) {
			return nil, nil, bad("tensor %q: bytes [%d, %d) outside the %d data bytes (truncated?)", name, b, end, len(body))
		}
		if end-b != n {
			return nil, nil, bad("tensor %q: %d bytes for a %s %v (want %d)", name, end-b, e.DType, e.Shape, n)
		}
		spans = append(spans, span{name, b, end})
		tensors[name] = Tensor{DType: e.DType, Shape: slices.Clone(e.Shape), Data: body[b:end:end]}
	}
	// The tensors tile the data exactly: no overlap, no gap, nothing after the last.
	slices.SortFunc(spans, func(a, b span) int {
		if c := cmp.Compare(a.begin, b.begin); c != 0 {
			return c
		}
		return cmp.Compare(a.end, b.end)
	})
	var at int64
	for _, s := range spans {
		if s.begin != at {
			return nil, nil, bad("tensor %q starts at byte %d, want %d (overlap or gap)", s.name, s.begin, at)
		}
		at = s.end
	}
	if at != int64(len(body)) {
		return nil, nil, bad("%d data bytes after the last tensor", int64(len(body))-at)
	}
	return tensors, metadata, nil
}

// size is the byte size of a tensor of dtype and shape, or an error for an unknown
// dtype, a negative dimension or a size that overflows.
func size(dtype string, shape []int) (int64, error) {
	es := elemSize[dtype]
	if es == 0 {
		return 0, fmt.Errorf("unknown dtype %q", dtype)
	}
	n := int64(es)
	for _, d := range shape {
		if d < 0 {
			return 0, fmt.Errorf("negative dimension in shape %v", shape)
		}
		if d > 0 && n > math.MaxInt64/int64(d) {
			return 0, fmt.Errorf("shape %v overflows", shape)
		}
		n *= int64(d)
	}
	return n, nil
}
