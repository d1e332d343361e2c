package fit

import (
	"github.com/genlab-go/genlab/backend"
	"github.com/gomlx/compute"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
)

// Chunk is how many items a Host pushes through a compiled graph at once: large enough
// to keep the backend's matmuls busy, small enough that 10,000 images never sit in one
// intermediate tensor.
const Chunk = 500

// Host is what every genlab model holds besides its configuration: its variables, the
// backend that runs them, and its host-side functions (encode, sample, features...),
// each compiled on first use and reused. Models embed it, so m.Store, m.Backend and
// m.Run read the same in every model.
type Host struct {
	Store   *model.Store
	Backend compute.Backend

	mappers *Mappers
}

// NewHost returns a Host with an empty store on the backend backend.New("") picks
// ($GOMLX_BACKEND, else the pure-Go CPU backend).
func NewHost() (Host, error) {
	be, err := backend.New("")
	if err != nil {
		return Host{}, err
	}
	store := model.NewStore()
	return Host{Store: store, Backend: be, mappers: NewMappers(be, store)}, nil
}

// Mapper returns the cached host-side runner of the graph function fn, compiling it on
// first use. name must identify fn: a second fn under the same name gets the first's.
func (h *Host) Mapper(name string, fn func(scope *model.Scope, x *graph.Node) *graph.Node) (*Mapper, error) {
	return h.mappers.Get(name, fn)
}

// Run applies the named graph function to n items of itemDims values each, Chunk at a
// time (see Mapper.Map).
func (h *Host) Run(name string, fn func(scope *model.Scope, x *graph.Node) *graph.Node, data []float32, n int, itemDims ...int) ([]float32, error) {
	return h.mappers.Run(name, fn, data, n, Chunk, itemDims...)
}

// RunChunks is Run with chunk items at a time: for graphs whose intermediates are many
// times their input (an image-to-image generator's im2col of a 7x7 conv holds 49 copies
// of a 64x64 map per image), where Chunk of them would not fit a laptop's memory.
func (h *Host) RunChunks(name string, fn func(scope *model.Scope, x *graph.Node) *graph.Node, data []float32, n, chunk int, itemDims ...int) ([]float32, error) {
	return h.mappers.Run(name, fn, data, n, max(1, chunk), itemDims...)
}
