package main

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"

	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/models"
	"github.com/gomlx/compute/dtypes"
	"github.com/gomlx/compute/shapes"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/model/initializer"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// The model contract, end to end: a model defined only in this file registers itself
// and the real command trains, samples and evaluates it, with no edit anywhere else.
// The model is the simplest generative model there is: one learned image, the mean of
// the data, which it "samples" and to which it "reconstructs" every input.

type meanConfig struct {
	H, W, C      int
	LearningRate float64
	BatchSize    int
}

func (c meanConfig) Shape() (int, int, int) { return c.H, c.W, c.C }

func (c meanConfig) Validate() error {
	if c.H < 1 || c.W < 1 || c.C < 1 || c.BatchSize < 1 || c.LearningRate <= 0 {
		return fmt.Errorf("mean: bad config %+v", c)
	}
	return nil
}

type meanModel struct{ models.Base[meanConfig] }

const meanName = "mean-test"

func newMean(cfg meanConfig) (*meanModel, error) { return models.NewModel[meanModel](cfg) }

func init() {
	models.RegisterModel(meanName, func(data *datasets.Images, o models.Options) (meanConfig, error) {
		c := meanConfig{H: data.H, W: data.W, C: data.C, LearningRate: 0.05, BatchSize: 64}
		o.Override(&c.BatchSize, &c.LearningRate)
		return c, nil
	}, newMean)
}

func (m *meanModel) Name() string { return meanName }

// mean is the learned image broadcast to x's batch.
func (m *meanModel) mean(scope *model.Scope, x *graph.Node) *graph.Node {
	v := scope.In("mean").WithInitializer(initializer.Zero).
		VariableWithShape("image", shapes.Make(dtypes.Float32, 1, m.Cfg.H, m.Cfg.W, m.Cfg.C)).ValueGraph(x.Graph())
	return graph.BroadcastToDims(v, x.Shape().Dimensions...)
}

func (m *meanModel) Train(ctx context.Context, data *datasets.Images, cfg fit.Config) (*fit.History, error) {
	if err := data.Check(m.Cfg.H, m.Cfg.W, m.Cfg.C); err != nil {
		return nil, err
	}
	cfg.Meta = fit.ModelMeta(meanName, m.Cfg, data)
	return fit.Train(ctx, m.Backend, m.Store, cfg, fit.ImageDraw(data, m.Cfg.BatchSize, cfg.Seed, false, nil), fit.Update{
		Loss: func(scope *model.Scope, in []*graph.Node) (*graph.Node, []fit.Metric) {
			return graph.ReduceAllMean(graph.Square(graph.Sub(in[0], m.mean(scope, in[0])))), nil
		},
		Optimizer: optimizer.Adam().LearningRate(m.Cfg.LearningRate).Done(),
	})
}

func (m *meanModel) Reconstruct(images []float32, n int) ([]float32, error) {
	return m.Run("mean", m.mean, images, n, m.Cfg.H, m.Cfg.W, m.Cfg.C)
}

func (m *meanModel) Sample(n int, _ uint64) ([]float32, error) {
	return m.Reconstruct(make([]float32, n*m.Cfg.H*m.Cfg.W*m.Cfg.C), n)
}

func TestContractTinyModel(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()
	cli := inProcess(t)
	ckpt := filepath.Join(dir, "mean")
	cli("train", meanName, "--dataset", "shapes", "--steps", "150", "--batch", "128", "--ckpt", ckpt)
	for _, f := range []string{fit.CheckpointFile, "loss.png", "reconstructions.png"} {
		if _, err := os.Stat(filepath.Join(ckpt, f)); err != nil {
			t.Errorf("train %s did not write %s: %v", meanName, f, err)
		}
	}
	m, err := models.Load(ckpt)
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := m.(*meanModel); !ok {
		t.Fatalf("models.Load gave a %T", m)
	}
	cli("sample", "--ckpt", ckpt, "--n", "8")
	if _, err := os.Stat(filepath.Join(ckpt, "samples.png")); err != nil {
		t.Errorf("sample: %v", err)
	}
	out := cli("eval", "--ckpt", ckpt, "--dataset", "shapes", "--n", "2000", "--fd-n", "64",
		"--classifier", filepath.Join(dir, "cls"), "--classifier-steps", "5")
	for _, name := range []string{"fd", "fd_floor", "recon_mse", "n"} {
		if !regexp.MustCompile(`(?m)^metric ` + name + `=[0-9.]+$`).MatchString(out) {
			t.Errorf("eval of the tiny model lacks metric %s:\n%s", name, out)
		}
	}
	// The closed form: the best single image in squared error is the mean image, and
	// its error is the pixels' variance. The trained model must be near it.
	test, err := datasets.Load(ctx, "", "shapes", datasets.Test)
	if err != nil {
		t.Fatal(err)
	}
	size := test.ImageSize()
	var variance float64
	for p := range size {
		var s, s2 float64
		for i := range test.N {
			v := float64(test.Pixels[i*size+p])
			s, s2 = s+v, s2+v*v
		}
		s, s2 = s/float64(test.N), s2/float64(test.N)
		variance += s2 - s*s
	}
	variance /= float64(size)
	got, _ := strconv.ParseFloat(regexp.MustCompile(`(?m)^metric recon_mse=([0-9.]+)$`).FindStringSubmatch(out)[1], 64)
	t.Logf("recon_mse %.5f, pixel variance (the optimum) %.5f", got, variance)
	if got > 1.1*variance || got < variance*0.999 {
		t.Errorf("the mean model's error %.5f is not the pixels' variance %.5f", got, variance)
	}
	// A model that does not sample says so; an unknown model names the registered ones.
	if err := run(ctx, []string{"sample", "--ckpt", filepath.Join(dir, "cls")}, &bytes.Buffer{}); err == nil {
		t.Error("sampling a classifier should fail")
	}
	if err := run(ctx, []string{"train", "nope"}, &bytes.Buffer{}); err == nil || !regexp.MustCompile(meanName).MatchString(err.Error()) {
		t.Errorf("an unknown model: %v (want the registered names)", err)
	}
}
