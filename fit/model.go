package fit

import (
	"encoding/json"
	"fmt"
	"maps"
	"reflect"
	"slices"

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

// ConfigChanges lists the configuration fields in which cfg differs from the one dir's
// checkpoint was trained with, as "Field: saved -> cfg's", sorted by field, so that a
// resumed run can say what changed before its variables fail to match (a default
// changed since, or a --set the first run had). The saved configuration is read as
// LoadModel reads it (ReadModelConfig, into cfg's type: a field it lacks is left at its
// zero value), and it fails if dir holds another model than name.
func ConfigChanges(dir, name string, cfg any) ([]string, error) {
	saved := reflect.New(reflect.TypeOf(cfg))
	if err := ReadModelConfig(dir, name, saved.Interface()); err != nil {
		return nil, err
	}
	fields := func(v any) (map[string]json.RawMessage, error) {
		raw, err := json.Marshal(v)
		if err != nil {
			return nil, err
		}
		var m map[string]json.RawMessage
		return m, json.Unmarshal(raw, &m)
	}
	was, err := fields(saved.Elem().Interface())
	if err != nil {
		return nil, err
	}
	now, err := fields(cfg)
	if err != nil {
		return nil, err
	}
	var changes []string
	for _, f := range slices.Sorted(maps.Keys(now)) {
		if string(was[f]) != string(now[f]) {
			changes = append(changes, fmt.Sprintf("%s: %s -> %s", f, was[f], now[f]))
		}
	}
	return changes, nil
}
