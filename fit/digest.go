package fit

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"fmt"
	"slices"

	"github.com/gomlx/gomlx/ml/model"
)

// WeightsDigest is the SHA-256 of every variable in store (path, dtype, shape and bytes, in
// path order: weights, optimizer moments, random state and step alike): two stores with
// the same digest hold the same values to the bit. It is how two builds of the backend
// are checked to train the same numbers.
func WeightsDigest(store *model.Store) (string, error) {
	var vars []*model.Variable
	for v := range store.IterVariables() {
		vars = append(vars, v)
	}
	slices.SortFunc(vars, func(a, b *model.Variable) int {
		if a.Path() < b.Path() {
			return -1
		}
		if a.Path() > b.Path() {
			return 1
		}
		return 0
	})
	h := sha256.New()
	for _, v := range vars {
		t, err := v.Value()
		if err != nil {
			return "", fmt.Errorf("fit: digest: variable %s: %w", v.Path(), err)
		}
		fmt.Fprintf(h, "%s %s %v\n", v.Path(), t.DType(), t.Shape().Dimensions)
		var n [8]byte
		if err := t.ConstBytes(func(b []byte) {
			binary.LittleEndian.PutUint64(n[:], uint64(len(b)))
			h.Write(n[:])
			h.Write(b)
		}); err != nil {
			return "", fmt.Errorf("fit: digest: variable %s: %w", v.Path(), err)
		}
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}
