package safetensors

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"strings"
	"testing"
)

func f32s(v ...float32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
	}
	return b
}

func TestRoundTrip(t *testing.T) {
	in := map[string]Tensor{
		"/g/dense/weights": {DType: "F32", Shape: []int{2, 3}, Data: f32s(1, 2, 3, 4, 5, 6)},
		"/g/dense/biases":  {DType: "F16", Shape: []int{3}, Data: []byte{0, 0x3c, 0, 0x40, 0, 0xc0}},
		"/global_step":     {DType: "I64", Shape: nil, Data: []byte{7, 0, 0, 0, 0, 0, 0, 0}},
	}
	var buf bytes.Buffer
	if err := Write(&buf, in, map[string]string{"format": "pt", "run": "x"}); err != nil {
		t.Fatal(err)
	}
	hlen := binary.LittleEndian.Uint64(buf.Bytes()[:8])
	if hlen%8 != 0 {
		t.Errorf("header length %d is not padded to 8", hlen)
	}
	out, meta, err := Read(buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if meta["run"] != "x" || meta["format"] != "pt" {
		t.Errorf("metadata %v", meta)
	}
	for name, want := range in {
		got, ok := out[name]
		if !ok || got.DType != want.DType || !bytes.Equal(got.Data, want.Data) || len(got.Shape) != len(want.Shape) {
			t.Errorf("%s: got %+v, want %+v", name, got, want)
		}
	}
}

// TestReadsTheReferenceLayout: a file laid out by hand as the format's documentation
// describes it (what PyTorch's safetensors.torch.save_file writes for one F32 tensor).
func TestReadsTheReferenceLayout(t *testing.T) {
	header := `{"__metadata__":{"format":"pt"},"w":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	var b []byte
	b = binary.LittleEndian.AppendUint64(b, uint64(len(header)))
	b = append(b, header...)
	b = append(b, f32s(0.5, -2)...)
	out, meta, err := Read(b)
	if err != nil {
		t.Fatal(err)
	}
	if meta["format"] != "pt" || out["w"].DType != "F32" || !bytes.Equal(out["w"].Data, f32s(0.5, -2)) {
		t.Errorf("read %v %v", out, meta)
	}
}

func TestMalformedFilesAreErrors(t *testing.T) {
	var good bytes.Buffer
	if err := Write(&good, map[string]Tensor{"a": {DType: "F32", Shape: []int{2}, Data: f32s(1, 2)},
		"b": {DType: "U8", Shape: []int{3}, Data: []byte{1, 2, 3}}}, nil); err != nil {
		t.Fatal(err)
	}
	file := func(header string, data int) []byte {
		var b []byte
		b = binary.LittleEndian.AppendUint64(b, uint64(len(header)))
		return append(append(b, header...), make([]byte, data)...)
	}
	cases := map[string][]byte{
		"empty":            nil,
		"short length":     {1, 2, 3},
		"huge length":      binary.LittleEndian.AppendUint64(nil, 1<<62),
		"truncated data":   good.Bytes()[:good.Len()-1],
		"truncated header": good.Bytes()[:20],
		"not json":         file("{not json", 0),
		"not an object":    file(`[1,2]`, 0),
		"unknown dtype":    file(`{"a":{"dtype":"F12","shape":[1],"data_offsets":[0,4]}}`, 4),
		"negative dim":     file(`{"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}}`, 4),
		"size mismatch":    file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,4]}}`, 4),
		"overlap":          file(`{"a":{"dtype":"U8","shape":[2],"data_offsets":[0,2]},"b":{"dtype":"U8","shape":[2],"data_offsets":[1,3]}}`, 3),
		"gap":              file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[1,2]}}`, 2),
		"trailing bytes":   file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1]}}`, 2),
		"reversed offsets": file(`{"a":{"dtype":"U8","shape":[0],"data_offsets":[2,1]}}`, 2),
		"extra field":      file(`{"a":{"dtype":"U8","shape":[1],"data_offsets":[0,1],"x":1}}`, 1),
		"bad metadata":     file(`{"__metadata__":{"a":1}}`, 0),
		"overflow":         file(`{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, 8),
	}
	for name, b := range cases {
		_, _, err := Read(b)
		if err == nil {
			t.Errorf("%s: no error", name)
		} else if !errors.Is(err, ErrFormat) {
			t.Errorf("%s: error %v does not wrap ErrFormat", name, err)
		}
	}
	if err := Write(&bytes.Buffer{}, map[string]Tensor{"a": {DType: "F32", Shape: []int{3}, Data: f32s(1)}}, nil); err == nil ||
		!strings.Contains(err.Error(), "want 12") {
		t.Errorf("writing a tensor of the wrong size: %v", err)
	}
}

// FuzzRead: no input panics Read, and whatever it accepts writes back to a file it reads
// as the same tensors.
func FuzzRead(f *testing.F) {
	var good bytes.Buffer
	_ = Write(&good, map[string]Tensor{"a": {DType: "F32", Shape: []int{2}, Data: f32s(1, 2)},
		"b": {DType: "F16", Shape: []int{1, 1}, Data: []byte{0, 0x3c}}}, map[string]string{"k": "v"})
	f.Add(good.Bytes())
	for _, n := range []int{0, 7, 8, 16, good.Len() / 2, good.Len() - 1} {
		f.Add(good.Bytes()[:n])
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		tensors, meta, err := Read(data)
		if err != nil {
			return
		}
		var again bytes.Buffer
		if err := Write(&again, tensors, meta); err != nil {
			if strings.Contains(err.Error(), "invalid tensor name") {
				return // "" is a JSON key Read accepts and Write refuses
			}
			t.Fatalf("read but cannot write back: %v", err)
		}
		back, _, err := Read(again.Bytes())
		if err != nil {
			t.Fatalf("wrote a file it cannot read: %v", err)
		}
		for name, tt := range tensors {
			if !bytes.Equal(back[name].Data, tt.Data) || back[name].DType != tt.DType {
				t.Fatalf("tensor %q changed on the way back", name)
			}
		}
	})
}
