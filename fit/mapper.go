package fit

import (
	"fmt"

	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/model"
)

// Mapper runs a graph function of one batch over a large host array in chunks: how
// models encode a test set, decode a grid of codes or score a dataset without holding
// it all in one graph. The compiled graph is cached per chunk shape.
type Mapper struct {
	exec *model.Exec
}

// NewMapper compiles (lazily) fn for store's variables on backend.
func NewMapper(backend compute.Backend, store *model.Store, fn func(scope *model.Scope, x *graph.Node) *graph.Node) (*Mapper, error) {
	exec, err := model.NewExec(backend, store, fn)
	if err != nil {
		return nil, err
	}
	return &Mapper{exec: exec}, nil
}

// Map applies the function to n items of itemDims float32 values each (row-major, one
// item after the other), chunk items at a time, and returns the outputs concatenated
// and the dimensions of one output item.
func (m *Mapper) Map(data []float32, n int, itemDims []int, chunk int) ([]float32, []int, error) {
	size := 1
	for _, d := range itemDims {
		size *= d
	}
	if n < 1 || len(data) != n*size {
		return nil, nil, fmt.Errorf("fit.Mapper: %d values for %d items of %v", len(data), n, itemDims)
	}
	chunk = max(1, min(chunk, n))
	var out []float32
	var outDims []int
	for start := 0; start < n; start += chunk {
		end := min(start+chunk, n)
		dims := append([]int{end - start}, itemDims...)
		x := tensors.FromFlatDataAndDimensions(data[start*size:end*size], dims...)
		res, err := m.exec.Call(x)
		if err != nil {
			return nil, nil, err
		}
		y := res[0]
		outDims = y.Shape().Dimensions[1:]
		vals, err := tensors.CopyFlatData[float32](y)
		if err != nil {
			return nil, nil, err
		}
		out = append(out, vals...)
	}
	return out, outDims, nil
}

// Close frees the compiled graphs.
func (m *Mapper) Close() { m.exec.Finalize() }

// Mappers caches one model's compiled Mappers by name: host-side methods (encode,
// decode, sample) compile their graph on first use and reuse it.
type Mappers struct {
	backend compute.Backend
	store   *model.Store
	cache   map[string]*Mapper
}

// NewMappers returns an empty cache for store's variables on backend.
func NewMappers(backend compute.Backend, store *model.Store) *Mappers {
	return &Mappers{backend: backend, store: store, cache: map[string]*Mapper{}}
}

// Get returns the Mapper of fn cached under name, compiling it on first use.
func (c *Mappers) Get(name string, fn func(scope *model.Scope, x *graph.Node) *graph.Node) (*Mapper, error) {
	if mp, ok := c.cache[name]; ok {
		return mp, nil
	}
	mp, err := NewMapper(c.backend, c.store, fn)
	if err != nil {
		return nil, err
	}
	c.cache[name] = mp
	return mp, nil
}

// Run applies the named graph function to n items of itemDims values, chunk at a time.
func (c *Mappers) Run(name string, fn func(scope *model.Scope, x *graph.Node) *graph.Node, data []float32, n, chunk int, itemDims ...int) ([]float32, error) {
	mp, err := c.Get(name, fn)
	if err != nil {
		return nil, err
	}
	out, _, err := mp.Map(data, n, itemDims, chunk)
	return out, err
}
