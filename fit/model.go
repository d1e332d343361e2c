package fit

import (
	"encoding/json"
	"fmt"

	"github.com/genlab-go/genlab/datasets"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// ModelMeta is the checkpoint metadata that lets a model be rebuilt, its name and its
// configuration as JSON, and, when data is not nil, the Digest of the data it trains
// on, which the run's Manifest records.
func ModelMeta(name string, cfg any, data *datasets.Images) map[string]string {
	b, err := json.Marshal(cfg)
	if err != nil {
		panic(err) // configs are plain structs
	}
	meta := map[string]string{"model": name, "config": string(b)}
	if data != nil {
		d, err := json.Marshal(DigestOf(data))
		if err != nil {
			panic(err)
		}
		meta[dataKey] = string(d)
	}
	return meta
}

// ReadModelConfig reads the configuration of a model named name from dir's checkpoint
// into cfg, and fails if the checkpoint holds another model.
func ReadModelConfig(dir, name string, cfg any) error {
	meta, err := ReadMeta(dir)
	if err != nil {
		return err
	}
	if meta["model"] != name {
		return fmt.Errorf("%s holds a %q model, not %q", dir, meta["model"], name)
	}
	if err := json.Unmarshal([]byte(meta["config"]), cfg); err != nil {
		return fmt.Errorf("%s: bad configuration in checkpoint: %w", dir, err)
	}
	return nil
}

// SaveModel writes store's variables with the model's name and configuration to dir,
// at the store's global step.
func SaveModel(dir string, store *model.Store, name string, cfg any) error {
	return Save(dir, store, optimizer.GetGlobalStep(store), ModelMeta(name, cfg, nil))
}

// LoadModel rebuilds a model saved by SaveModel (or by a training run with
// ModelMeta): it reads its configuration, builds the model with newModel and loads the
// variables into the model's store.
func LoadModel[C, M any](dir, name string, newModel func(C) (M, error), store func(M) *model.Store) (M, error) {
	var cfg C
	var zero M
	if err := ReadModelConfig(dir, name, &cfg); err != nil {
		return zero, err
	}
	m, err := newModel(cfg)
	if err != nil {
		return zero, err
	}
	if _, _, err := Load(dir, store(m)); err != nil {
		return zero, err
	}
	return m, nil
}
