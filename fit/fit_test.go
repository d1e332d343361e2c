package fit

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/genlab-go/genlab/backend"
	"github.com/gomlx/gomlx/core/graph"
	"github.com/gomlx/gomlx/core/tensors"
	"github.com/gomlx/gomlx/ml/layers"
	"github.com/gomlx/gomlx/ml/model"
	"github.com/gomlx/gomlx/ml/train/optimizer"
)

// regression fits y = 3x with one dense unit; lr controls whether it diverges.
func regression(lr float64) (Batches, Update) {
	x := tensors.FromValue([][]float32{{1}, {2}, {3}, {4}})
	y := tensors.FromValue([][]float32{{3}, {6}, {9}, {12}})
	return func(step, _ int) ([]*tensors.Tensor, error) { return []*tensors.Tensor{x, y}, nil },
		Update{Name: "reg", Optimizer: optimizer.StochasticGradientDescent().WithLearningRate(lr).WithDecay(false).Done(),
			Loss: func(scope *model.Scope, in []*graph.Node) (*graph.Node, []Metric) {
				pred := layers.DenseWithBias(scope.In("dense"), in[0], 1)
				loss := graph.ReduceAllMean(graph.Square(graph.Sub(pred, in[1])))
				return loss, []Metric{{Name: "mse", Value: loss}}
			}}
}

func weights(t *testing.T, s *model.Store) []float32 {
	t.Helper()
	return tensors.MustCopyFlatData[float32](s.GetVariable("/dense/dense/weights").MustValue())
}

func TestResumeIsExact(t *testing.T) {
	be := backend.MustNew("go")
	b, u := regression(0.01)
	cfg := DefaultConfig()
	cfg.Progress = nil
	// Straight through: 20 steps.
	s1 := model.NewStore()
	cfg.Steps = 20
	if _, err := Run(context.Background(), be, s1, cfg, b, u); err != nil {
		t.Fatal(err)
	}
	// 10 steps, a checkpoint, a new store, 10 more.
	dir := t.TempDir()
	cfg.CheckpointDir, cfg.Steps = dir, 10
	if _, err := Run(context.Background(), be, model.NewStore(), cfg, b, u); err != nil {
		t.Fatal(err)
	}
	s2 := model.NewStore()
	cfg.Steps = 20
	h, err := Run(context.Background(), be, s2, cfg, b, u)
	if err != nil {
		t.Fatal(err)
	}
	if h.StartStep != 10 {
		t.Errorf("resumed at step %d, want 10", h.StartStep)
	}
	if w1, w2 := weights(t, s1), weights(t, s2); w1[0] != w2[0] {
		t.Errorf("resumed run's weight %g != straight run's %g", w2[0], w1[0])
	}
	// The history travels in the checkpoint: the resumed run's curve starts at step 0's
	// first report, and running again with nothing left to do still returns it all.
	steps, _ := h.Series("reg", "loss")
	if len(steps) < 2 || steps[0] > 10 || steps[len(steps)-1] != 20 {
		t.Errorf("resumed history covers steps %v, want from the first run's reports to 20", steps)
	}
	var out strings.Builder
	cfg.Progress = &out
	h2, err := Run(context.Background(), be, model.NewStore(), cfg, b, u)
	if err != nil {
		t.Fatal(err)
	}
	if h2.StartStep != 20 || h2.EndStep != 20 || !strings.Contains(out.String(), "nothing to train") {
		t.Errorf("a finished run resumed: steps %d to %d, said %q; want 20 to 20 and nothing to train", h2.StartStep, h2.EndStep, out.String())
	}
	// Asking for fewer steps than the checkpoint has neither trains nor rolls back.
	cfg.Steps, cfg.Progress = 5, nil
	if h3, err := Run(context.Background(), be, model.NewStore(), cfg, b, u); err != nil || h3.EndStep != 20 {
		t.Errorf("asked for 5 steps of a 20-step checkpoint: end step %d (%v), want 20", h3.EndStep, err)
	}
	if s2, _ := h2.Series("reg", "loss"); len(s2) != len(steps) {
		t.Errorf("a finished run resumed again returns %d records, want %d", len(s2), len(steps))
	}
}

// A time budget ends a run at a step boundary with a checkpoint there, and the run
// resumed from it is the straight run. A budget already spent still trains one step,
// so that every call makes progress.
func TestUntilEndsAtAStepThatResumes(t *testing.T) {
	be := backend.MustNew("go")
	b, u := regression(0.01)
	cfg := DefaultConfig()
	cfg.Progress, cfg.Steps = nil, 20
	straight := model.NewStore()
	if _, err := Run(context.Background(), be, straight, cfg, b, u); err != nil {
		t.Fatal(err)
	}
	cfg.CheckpointDir, cfg.Until = t.TempDir(), time.Now()
	h, err := Run(context.Background(), be, model.NewStore(), cfg, b, u)
	if err != nil {
		t.Fatal(err)
	}
	if step, err := CheckpointStep(cfg.CheckpointDir); h.EndStep != 1 || err != nil || step != 1 {
		t.Fatalf("a spent time budget: run ended at step %d, checkpoint at %d (%v); want 1 and 1", h.EndStep, step, err)
	}
	if last := h.Records[len(h.Records)-1]; last.Step != 1 {
		t.Errorf("the last record is at step %d, want the run's end, 1", last.Step)
	}
	cfg.Until = time.Now().Add(time.Hour)
	resumed := model.NewStore()
	if h, err = Run(context.Background(), be, resumed, cfg, b, u); err != nil || h.StartStep != 1 || h.EndStep != 20 {
		t.Fatalf("resumed from steps %d to %d (%v), want 1 to 20", h.StartStep, h.EndStep, err)
	}
	if w1, w2 := weights(t, straight), weights(t, resumed); w1[0] != w2[0] {
		t.Errorf("a run stopped by its time budget and resumed: weight %g, the straight run's %g", w2[0], w1[0])
	}
	// A step budget out of reach: the reports come by time (about Reports of them).
	slow := func(step, call int) ([]*tensors.Tensor, error) {
		time.Sleep(10 * time.Millisecond)
		return b(step, call)
	}
	cfg.CheckpointDir, cfg.Steps, cfg.Reports, cfg.Until = "", 1_000_000, 3, time.Now().Add(300*time.Millisecond)
	if h, err = Run(context.Background(), be, model.NewStore(), cfg, slow, u); err != nil {
		t.Fatal(err)
	}
	if steps, _ := h.Series("reg", "loss"); len(steps) < 2 || steps[len(steps)-1] != float64(h.EndStep) || h.EndStep >= cfg.Steps {
		t.Errorf("300 ms of a million steps: ended at step %d with reports at %v; want reports by time, the last at the end", h.EndStep, steps)
	}
}

// A run continued in the same store (Continue) is the straight run: the same weights to
// the bit, the records of both parts, the start step of the first; with checkpoints,
// one manifest part for the process, not one per stage.
func TestContinueIsTheStraightRun(t *testing.T) {
	be := backend.MustNew("go")
	b, u := regression(0.01)
	cfg := DefaultConfig()
	cfg.Progress, cfg.Steps, cfg.Reports = nil, 20, 4
	straight := model.NewStore()
	if _, err := Run(context.Background(), be, straight, cfg, b, u); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{"", t.TempDir()} {
		staged := model.NewStore()
		cfg.Steps, cfg.Continue, cfg.CheckpointDir = 10, nil, dir
		h, err := Run(context.Background(), be, staged, cfg, b, u)
		if err != nil {
			t.Fatal(err)
		}
		_, u2 := regression(0.01) // another Update value: a stage builds its own graphs
		cfg.Steps, cfg.Continue = 20, h
		h2, err := Run(context.Background(), be, staged, cfg, b, u2)
		if err != nil {
			t.Fatal(err)
		}
		if w1, w2 := weights(t, straight), weights(t, staged); w1[0] != w2[0] {
			t.Errorf("dir %q: continued run's weight %g != straight run's %g", dir, w2[0], w1[0])
		}
		if h2.StartStep != 0 || h2.EndStep != 20 || h2.StepsPerS <= 0 {
			t.Errorf("dir %q: continued run: steps %d to %d at %g steps/s, want 0 to 20", dir, h2.StartStep, h2.EndStep, h2.StepsPerS)
		}
		steps, _ := h2.Series("reg", "loss")
		if len(steps) < 2 || steps[0] > 10 || steps[len(steps)-1] != 20 {
			t.Errorf("dir %q: continued history covers steps %v, want both parts", dir, steps)
		}
		if dir != "" {
			m, err := ReadManifest(dir)
			if err != nil {
				t.Fatal(err)
			}
			if len(m.Runs) != 1 || m.Runs[0].From != 0 || m.Runs[0].To != 20 {
				t.Errorf("manifest parts %+v, want one from 0 to 20", m.Runs)
			}
		}
	}
}

func TestNaNStopKeepsLastGoodCheckpoint(t *testing.T) {
	be := backend.MustNew("go")
	dir := t.TempDir()
	b, good := regression(0.01)
	cfg := DefaultConfig()
	cfg.Progress, cfg.Steps, cfg.CheckpointDir = nil, 5, dir
	if _, err := Run(context.Background(), be, model.NewStore(), cfg, b, good); err != nil {
		t.Fatal(err)
	}
	// Resume, checkpoint every step, and feed a NaN from step 8 on (a corrupt batch, or
	// what a divergent run produces).
	nan := float32(0)
	nan = nan / nan
	poisoned := func(step, u int) ([]*tensors.Tensor, error) {
		if step < 8 {
			return b(step, u)
		}
		return []*tensors.Tensor{tensors.FromValue([][]float32{{nan}, {1}, {1}, {1}}), tensors.FromValue([][]float32{{1}, {1}, {1}, {1}})}, nil
	}
	cfg.Steps, cfg.CheckpointEvery = 1000, 1
	_, err := Run(context.Background(), be, model.NewStore(), cfg, poisoned, good)
	if !errors.Is(err, ErrNonFinite) {
		t.Fatalf("want ErrNonFinite, got %v", err)
	}
	// The checkpoint on disk is a good one: it loads and its weights are finite.
	s := model.NewStore()
	if _, _, err := Load(dir, s); err != nil {
		t.Fatalf("checkpoint after NaN stop: %v", err)
	}
	for _, w := range weights(t, s) {
		if w != w || w > 1e30 || w < -1e30 {
			t.Errorf("kept checkpoint holds weight %g", w)
		}
	}
	if step, _, _ := Load(dir, model.NewStore()); step != 8 {
		t.Errorf("kept checkpoint is from step %d, want 8 (the last good one)", step)
	}
}

func TestCorruptCheckpointIsRejectedAndChangesNothing(t *testing.T) {
	be := backend.MustNew("go")
	dir := t.TempDir()
	b, u := regression(0.01)
	cfg := DefaultConfig()
	cfg.Progress, cfg.Steps, cfg.CheckpointDir = nil, 3, dir
	if _, err := Run(context.Background(), be, model.NewStore(), cfg, b, u); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(dir, CheckpointFile)
	good, _ := os.ReadFile(path)
	for name, bad := range map[string][]byte{
		"truncated": good[:len(good)-3],
		"flipped":   append(append([]byte{}, good[:len(good)-1]...), good[len(good)-1]^0xff),
		"empty":     nil,
	} {
		os.WriteFile(path, bad, 0o644)
		s := model.NewStore()
		if _, _, err := Load(dir, s); !errors.Is(err, ErrCorruptCheckpoint) {
			t.Errorf("%s: want ErrCorruptCheckpoint, got %v", name, err)
		}
		if s.NumVariables() != 0 {
			t.Errorf("%s: a rejected checkpoint created %d variables", name, s.NumVariables())
		}
	}
	// A temporary file left by an interrupted Save is ignored: the real checkpoint loads.
	os.WriteFile(path, good, 0o644)
	os.WriteFile(filepath.Join(dir, CheckpointFile+".tmp-123"), good[:10], 0o644)
	if _, _, err := Load(dir, model.NewStore()); err != nil {
		t.Errorf("checkpoint beside a stale temp file: %v", err)
	}
}

// An update with Repeat r runs r times per step, each on its own call's batch: 5 steps
// of Repeat 2 move the weights exactly as 10 plain steps, and the batches function sees
// calls 0..2 per step for updates [reg x2, reg].
func TestRepeatRunsAnUpdateSeveralTimesPerStep(t *testing.T) {
	be := backend.MustNew("go")
	b, u := regression(0.01)
	cfg := DefaultConfig()
	cfg.Progress = nil
	plain := model.NewStore()
	cfg.Steps = 10
	if _, err := Run(context.Background(), be, plain, cfg, b, u); err != nil {
		t.Fatal(err)
	}
	rep := model.NewStore()
	u.Repeat = 2
	cfg.Steps = 5
	if _, err := Run(context.Background(), be, rep, cfg, b, u); err != nil {
		t.Fatal(err)
	}
	if w1, w2 := weights(t, plain), weights(t, rep); w1[0] != w2[0] {
		t.Errorf("5 steps of Repeat 2 give weight %g, 10 plain steps %g", w2[0], w1[0])
	}

	var calls [][2]int
	counting := func(step, call int) ([]*tensors.Tensor, error) {
		calls = append(calls, [2]int{step, call})
		return b(step, call)
	}
	u2 := u
	u2.Repeat = 0
	cfg.Steps = 2
	h, err := Run(context.Background(), be, model.NewStore(), cfg, counting, u, u2)
	if err != nil {
		t.Fatal(err)
	}
	want := [][2]int{{0, 0}, {0, 1}, {0, 2}, {1, 0}, {1, 1}, {1, 2}}
	if len(calls) != len(want) {
		t.Fatalf("batches called with %v, want %v", calls, want)
	}
	for i := range want {
		if calls[i] != want[i] {
			t.Fatalf("batches called with %v, want %v", calls, want)
		}
	}
	// The repeated update's record averages its runs: its mse metric equals its loss.
	if r := h.Last("reg"); r.Loss <= 0 || r.Metrics["mse"] != r.Loss {
		t.Errorf("record %+v: want the mean over the repeated runs (loss = mse > 0)", r)
	}
}

// OnCheckpoint sees every checkpoint the run writes, after it is on disk, and with the
// store holding that step's weights (what a samples-over-training figure needs).
func TestOnCheckpoint(t *testing.T) {
	be := backend.MustNew("go")
	b, u := regression(0.01)
	cfg := DefaultConfig()
	cfg.Progress = nil
	cfg.Steps, cfg.CheckpointEvery, cfg.CheckpointDir = 12, 5, t.TempDir()
	s := model.NewStore()
	var steps []int
	var w []float32
	cfg.OnCheckpoint = func(step int) error {
		if got, _, err := Load(cfg.CheckpointDir, model.NewStore()); err != nil || got != int64(step) {
			t.Errorf("OnCheckpoint(%d) ran before the checkpoint was written: on disk %d (%v)", step, got, err)
		}
		steps = append(steps, step)
		w = append(w, weights(t, s)[0])
		return nil
	}
	if _, err := Run(context.Background(), be, s, cfg, b, u); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(steps, []int{5, 10, 12}) {
		t.Errorf("OnCheckpoint ran at steps %v, want [5 10 12]", steps)
	}
	if len(w) == 3 && (w[0] == w[1] || w[2] != weights(t, s)[0]) {
		t.Errorf("weights seen at the checkpoints %v: want them to change and to end at the final %g", w, weights(t, s)[0])
	}
	// An error from the callback stops the run.
	cfg.CheckpointDir, cfg.Steps = t.TempDir(), 12
	cfg.OnCheckpoint = func(int) error { return errors.New("disk full") }
	if _, err := Run(context.Background(), be, model.NewStore(), cfg, b, u); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("a failing OnCheckpoint: err = %v, want it returned", err)
	}
}

// CheckpointInterval checkpoints by wall time whatever the step count: with an interval
// shorter than a step, at every step; the time checkpoints change nothing trained, and
// the manifest records the process's cores and seconds.
func TestCheckpointInterval(t *testing.T) {
	be := backend.MustNew("go")
	b, u := regression(0.01)
	cfg := DefaultConfig()
	cfg.Progress = nil
	cfg.Steps, cfg.CheckpointEvery, cfg.CheckpointInterval, cfg.CheckpointDir = 6, 0, time.Nanosecond, t.TempDir()
	var steps []int
	cfg.OnCheckpoint = func(step int) error { steps = append(steps, step); return nil }
	timed := model.NewStore()
	if _, err := Run(context.Background(), be, timed, cfg, b, u); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(steps, []int{1, 2, 3, 4, 5, 6}) {
		t.Errorf("checkpoints by time at steps %v, want every step", steps)
	}
	m, err := ReadManifest(cfg.CheckpointDir)
	if err != nil || len(m.Runs) != 1 || m.Runs[0].Cores < 1 || m.Runs[0].Seconds <= 0 || (runtime.GOOS == "linux" && m.Runs[0].CPUSeconds <= 0) {
		t.Errorf("manifest %+v (%v): want the process's cores and seconds", m, err)
	}
	cfg.CheckpointInterval, cfg.CheckpointDir, cfg.OnCheckpoint = 0, "", nil
	plain := model.NewStore()
	if _, err := Run(context.Background(), be, plain, cfg, b, u); err != nil {
		t.Fatal(err)
	}
	if a, b := weights(t, timed), weights(t, plain); !slices.Equal(a, b) {
		t.Errorf("weights with checkpoints at every step %v, without %v", a, b)
	}
}

// Train numbers the minibatches of a game by step: updates [critic x3, generator
// (Reuse)] draw 3 batches a step, numbered step*3 + j, and the generator reads the
// critic's last; a first update that would reuse is refused.
func TestTrainDrawsBatchesByStep(t *testing.T) {
	be := backend.MustNew("go")
	b, u := regression(0.01)
	var drawn []int
	draw := func(i int) ([]*tensors.Tensor, error) {
		drawn = append(drawn, i)
		return b(0, 0)
	}
	critic, gen := u, u
	critic.Repeat, gen.Reuse = 3, true
	cfg := DefaultConfig()
	cfg.Progress, cfg.Steps = nil, 2
	if _, err := Train(context.Background(), be, model.NewStore(), cfg, draw, critic, gen); err != nil {
		t.Fatal(err)
	}
	if want := []int{0, 1, 2, 3, 4, 5}; !slices.Equal(drawn, want) {
		t.Errorf("drew batches %v, want %v (the generator reuses, the critic draws its own)", drawn, want)
	}
	if _, err := Train(context.Background(), be, model.NewStore(), cfg, draw, gen); err == nil {
		t.Error("a first update with Reuse should be refused")
	}
}

// A checkpoint path that cannot be a directory fails before the first step, not at
// the first checkpoint after minutes of training.
func TestCheckpointDirThatIsAFileFailsFirst(t *testing.T) {
	b, u := regression(0.01)
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	called := false
	cfg := DefaultConfig()
	cfg.Progress, cfg.Steps, cfg.CheckpointDir, cfg.CheckpointEvery = nil, 100, file, 50
	_, err := Run(context.Background(), backend.MustNew("go"), model.NewStore(), cfg,
		func(step, call int) ([]*tensors.Tensor, error) { called = true; return b(step, call) }, u)
	if err == nil || called {
		t.Errorf("checkpoints into a regular file: error %v, trained before failing: %v", err, called)
	}
}

// The live bar keeps the last losses on screen between reports (it used to erase them
// at the next tick).
func TestLiveProgressKeepsTheLosses(t *testing.T) {
	var buf strings.Builder
	p := &progress{w: &buf, live: true, start: 0, end: 10, t0: time.Now()}
	h := &History{Records: []Record{{Step: 1, Update: "D", Loss: 1.25, Metrics: map[string]float64{}}}}
	p.report(1, h, []Update{{Name: "D"}})
	buf.Reset()
	p.tick(2)
	if !strings.Contains(buf.String(), "D/loss=1.25") {
		t.Errorf("after a tick the bar reads %q, want the last losses", buf.String())
	}
}
