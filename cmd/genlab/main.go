// Command genlab trains, samples and evaluates genlab's models without Jupyter.
//
//	genlab data   [--data DIR] [--dataset mnist|fashion-mnist|utkface|all]
//	genlab train  ae|vae|gan|classifier [--dataset mnist] [--arch conv|mlp] [--steps N] [--seed S] [--ckpt DIR] ...
//	genlab sample [--ckpt DIR] [--n 64] [--out samples.png]
//	genlab eval   [--ckpt DIR] [--k 100] [--n 10000] [--fd-n 10000] [--classifier DIR]
//	genlab bench  [--peer pytorch] [--models mlp_vae,conv_vae] [--steps 20] [--rounds 3]
//
// eval prints one `metric NAME=VALUE` line per metric. The backend is GoMLX's pure-Go CPU
// backend unless --backend or $GOMLX_BACKEND names another.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"image"
	"math"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"slices"
	"strings"
	"time"

	"github.com/genlab-go/genlab/bench"

	"github.com/genlab-go/genlab/backend"
	"github.com/genlab-go/genlab/datasets"
	"github.com/genlab-go/genlab/datasets/faces"
	"github.com/genlab-go/genlab/datasets/mnist"
	"github.com/genlab-go/genlab/datasets/shapes"
	"github.com/genlab-go/genlab/eval"
	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/lab"
	"github.com/genlab-go/genlab/models/ae"
	"github.com/genlab-go/genlab/models/classifier"
	"github.com/genlab-go/genlab/models/gan"
	"github.com/genlab-go/genlab/models/vae"
)

const usage = `genlab: train, sample and evaluate deep generative models.

Commands:
  data    fetch (or verify) datasets into the data directory
  train   ae|vae|gan|classifier: train a model, writing checkpoints and figures to --ckpt
  sample  decode samples from a trained model's prior into a PNG grid
  eval    print metrics of a trained model, one "metric NAME=VALUE" line each
  bench   time train steps, with --peer pytorch side by side with PyTorch on CPU

Run "genlab COMMAND -h" for the flags of a command.
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	var err error
	switch cmd, args := os.Args[1], os.Args[2:]; cmd {
	case "data":
		err = cmdData(ctx, args)
	case "train":
		err = cmdTrain(ctx, args)
	case "sample":
		err = cmdSample(args)
	case "eval":
		err = cmdEval(ctx, args)
	case "bench":
		err = cmdBench(args)
	case "-h", "--help", "help":
		fmt.Print(usage)
	default:
		fmt.Fprintf(os.Stderr, "genlab: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "genlab:", err)
		os.Exit(1)
	}
}

// common flags
type common struct {
	data, backend, cpuprofile string
	stopProfile               func()
}

func (c *common) register(fs *flag.FlagSet) {
	fs.StringVar(&c.data, "data", "", "data directory (default $GENLAB_DATA, else the user cache dir)")
	fs.StringVar(&c.backend, "backend", "", "GoMLX backend, e.g. go or xla:cuda (default $GOMLX_BACKEND, else go)")
	fs.StringVar(&c.cpuprofile, "cpuprofile", "", "write a CPU profile of the command to this file (go tool pprof)")
}

func (c *common) apply() error {
	if c.cpuprofile != "" {
		f, err := os.Create(c.cpuprofile)
		if err != nil {
			return err
		}
		if err := pprof.StartCPUProfile(f); err != nil {
			return err
		}
		c.stopProfile = func() { pprof.StopCPUProfile(); f.Close() }
	}
	if c.backend != "" {
		if err := os.Setenv(backend.EnvVar, c.backend); err != nil {
			return err
		}
	}
	_, err := backend.New("")
	return err
}

func cmdData(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("data", flag.ExitOnError)
	var c common
	c.register(fs)
	which := fs.String("dataset", "all", "mnist, fashion-mnist, utkface or all")
	fs.Parse(args)
	dir := datasets.Dir(c.data)
	names := append(slices.Clone(mnist.Names), faces.Name)
	if *which != "all" {
		names = []string{*which}
	}
	for _, name := range names {
		if name == faces.Name && *which == "all" {
			// UTKFace cannot be downloaded: under "all" a missing copy is reported, not
			// an error, so that the downloadable sets can still be fetched.
			if _, err := os.Stat(filepath.Join(dir, faces.Name, "labels.csv")); err != nil {
				fmt.Printf("skip %s: not in %s; %s\n", name, dir, faces.Hint)
				continue
			}
		}
		for _, split := range []mnist.Split{mnist.Train, mnist.Test} {
			d, err := loadData(ctx, dir, name, split, 1)
			if err != nil {
				return err
			}
			fmt.Printf("ok %s/%s: %d images %dx%dx%d, checksums verified (%s)\n", name, split, d.N, d.H, d.W, d.C, dir)
		}
	}
	return nil
}

// stop ends what apply started (the CPU profile).
func (c *common) stop() {
	if c.stopProfile != nil {
		c.stopProfile()
	}
}

// faceSize is the side UTKFace is trained at: 32x32, the size two CPU cores can train a
// DCGAN on in minutes (the stored copy is 64x64; faces.Load takes any divisor).
const faceSize = 32

// datasetNames is what --dataset accepts.
const datasetNames = "mnist, fashion-mnist, utkface or shapes"

// loadData returns a training or test set by name: mnist, fashion-mnist, utkface or
// shapes.
func loadData(ctx context.Context, dir, name string, split mnist.Split, seed int64) (*datasets.Images, error) {
	if name == faces.Name {
		return faces.Load(ctx, dir, split, faceSize)
	}
	if name == "shapes" {
		c := shapes.DefaultConfig()
		if split == mnist.Test {
			return shapes.Sample(c, 2000, uint64(seed)+1000)
		}
		return shapes.All(c)
	}
	if !slices.Contains(mnist.Names, name) {
		return nil, fmt.Errorf("unknown dataset %q (want %s)", name, datasetNames)
	}
	return mnist.Load(ctx, dir, name, split, datasets.Options{})
}

func cmdTrain(ctx context.Context, args []string) error {
	if len(args) == 0 || !slices.Contains([]string{ae.ModelName, vae.ModelName, gan.ModelName, classifier.ModelName}, args[0]) {
		return fmt.Errorf("train: which model? genlab train ae|vae|gan|classifier [flags]")
	}
	which := args[0]
	fs := flag.NewFlagSet("train "+which, flag.ExitOnError)
	var c common
	c.register(fs)
	dataset := fs.String("dataset", mnist.MNIST, datasetNames)
	arch := fs.String("arch", "conv", "conv or mlp (for gan: conv is DCGAN)")
	conditional := fs.Bool("conditional", false, "gan: condition both players on the class label")
	batchNorm := fs.Bool("batchnorm", false, "gan: batch normalization in the DCGAN players (as Radford et al.; not with wgan-gp)")
	loss := fs.String("loss", string(gan.NonSaturating), "gan: the objective, gan (non-saturating) or wgan-gp (critic with gradient penalty, 5 critic steps per step)")
	latent := fs.Int("latent", 0, "latent size (default: the model's)")
	steps := fs.Int("steps", 2000, "training steps (minibatches)")
	batch := fs.Int("batch", 0, "batch size (default: the model's)")
	lr := fs.Float64("lr", 0, "learning rate (default: the model's)")
	beta := fs.Float64("beta", 1, "KL weight (VAE; > 1 is a beta-VAE)")
	seed := fs.Int64("seed", 1, "random seed")
	ckpt := fs.String("ckpt", "", "checkpoint directory (default runs/MODEL-DATASET); an existing checkpoint is resumed")
	every := fs.Int("ckpt-every", 500, "steps between checkpoints")
	fs.Parse(args[1:])
	if err := c.apply(); err != nil {
		return err
	}
	defer c.stop()
	if *ckpt == "" {
		*ckpt = filepath.Join("runs", which+"-"+*dataset)
	}
	train, err := loadData(ctx, datasets.Dir(c.data), *dataset, mnist.Train, *seed)
	if err != nil {
		return err
	}
	// override applies --batch and --lr, where given, to any model's configuration.
	override := func(batchSize *int, rate *float64) {
		if *batch > 0 {
			*batchSize = *batch
		}
		if *lr > 0 {
			*rate = *lr
		}
	}
	acfg := ae.DefaultConfig()
	acfg.Arch, acfg.H, acfg.W, acfg.C = ae.Arch(*arch), train.H, train.W, train.C
	if *latent > 0 {
		acfg.Latent = *latent
	}
	override(&acfg.BatchSize, &acfg.LearningRate)
	fc := fit.DefaultConfig()
	fc.Steps, fc.Seed, fc.CheckpointDir, fc.CheckpointEvery = *steps, *seed, *ckpt, *every
	start := time.Now()
	var hist *fit.History
	var recon func([]float32, int) ([]float32, error)
	// writeSamples draws a GAN's figure from fixed noise (a conditional GAN's: its
	// class grid) into a PNG; nil for the other models, which show reconstructions.
	var writeSamples func(path string) error
	switch which {
	case ae.ModelName:
		m, err := ae.New(acfg)
		if err != nil {
			return err
		}
		if hist, err = m.Train(ctx, train, fc); err != nil {
			return err
		}
		recon = m.Reconstruct
	case vae.ModelName:
		vcfg := vae.DefaultConfig()
		vcfg.Config, vcfg.Beta = acfg, *beta
		switch {
		case train.C != 1:
			// Binarizing colour images (the faces) would throw away what the model is
			// for: they get the Gaussian decoder on their pixels as they are (and eval
			// scores them so, eval.BinaryModel).
			vcfg.Likelihood, vcfg.Binarize = vae.Gaussian, false
		case *dataset == "shapes":
			vcfg.Binarize = false // binary already
		}
		m, err := vae.New(vcfg)
		if err != nil {
			return err
		}
		if hist, err = m.Train(ctx, train, fc); err != nil {
			return err
		}
		recon = m.Reconstruct
	case gan.ModelName:
		gcfg := gan.ConfigFor(train.H, train.W, train.C)
		if *arch == "mlp" {
			gcfg.Arch, gcfg.Hidden = gan.MLP, []int{512, 256}
		}
		switch gan.Loss(*loss) {
		case gan.NonSaturating:
		case gan.WGANGP:
			gcfg = gcfg.WithWGANGP()
		default:
			return fmt.Errorf("train gan: unknown --loss %q (want %s or %s)", *loss, gan.NonSaturating, gan.WGANGP)
		}
		if *conditional {
			gcfg.Classes = len(train.Classes)
		}
		gcfg.BatchNorm = *batchNorm
		if *latent > 0 {
			gcfg.Noise = *latent
		}
		override(&gcfg.BatchSize, &gcfg.LearningRate)
		m, err := gan.New(gcfg)
		if err != nil {
			return err
		}
		writeSamples = func(path string) error {
			img, err := samplesFigure(m.Sample, m, 64, 1, train.H, train.W, train.C)
			if err != nil {
				return err
			}
			return lab.WritePNG(path, img)
		}
		// A GAN's loss says little about its samples: draw the same fixed noise at
		// every checkpoint, so the grids show training as notebooks 05 and 06 do.
		fc.OnCheckpoint = func(step int) error {
			return writeSamples(filepath.Join(*ckpt, fmt.Sprintf("samples-%06d.png", step)))
		}
		if hist, err = m.Train(ctx, train, fc); err != nil {
			return err
		}
	case classifier.ModelName:
		ccfg := classifier.ConfigFor(train)
		override(&ccfg.BatchSize, &ccfg.LearningRate)
		m, err := classifier.New(ccfg)
		if err != nil {
			return err
		}
		if hist, err = m.Train(ctx, train, fc); err != nil {
			return err
		}
		test, err := loadData(ctx, datasets.Dir(c.data), *dataset, mnist.Test, *seed)
		if err != nil {
			return err
		}
		acc, err := m.Accuracy(test)
		if err != nil {
			return err
		}
		fmt.Printf("metric test_acc=%.4f\n", acc)
	}
	fmt.Printf("trained %s on %s: %d steps in %s; checkpoint in %s\n", which, *dataset, *steps, time.Since(start).Round(time.Second), *ckpt)
	// Figures: the training curves, and reconstructions of the first test images (or,
	// for a GAN, samples from fixed noise).
	if len(hist.Records) > 1 {
		p, err := lab.Curves(which+" on "+*dataset, "loss", hist)
		if err == nil {
			err = lab.SavePlot(filepath.Join(*ckpt, "loss.png"), p)
		}
		if err != nil {
			return err
		}
	}
	if which == classifier.ModelName {
		return nil
	}
	if writeSamples != nil {
		return writeSamples(filepath.Join(*ckpt, "samples.png"))
	}
	test, err := loadData(ctx, datasets.Dir(c.data), *dataset, mnist.Test, *seed)
	if err != nil {
		return err
	}
	test = test.Subset(16)
	r, err := recon(test.Pixels, test.N)
	if err != nil {
		return err
	}
	return lab.WritePNG(filepath.Join(*ckpt, "reconstructions.png"), lab.Pairs(test.Pixels, r, test.N, test.H, test.W, test.C, 8, 2))
}

func cmdSample(args []string) error {
	fs := flag.NewFlagSet("sample", flag.ExitOnError)
	var c common
	c.register(fs)
	ckpt := fs.String("ckpt", filepath.Join("runs", "vae-mnist"), "checkpoint directory of a trained VAE or GAN")
	n := fs.Int("n", 64, "number of samples (a conditional GAN: n/classes of each class, one row per class)")
	seed := fs.Uint64("seed", 1, "sampling seed")
	out := fs.String("out", "", "output PNG (default CKPT/samples.png)")
	fs.Parse(args)
	if err := c.apply(); err != nil {
		return err
	}
	meta, err := fit.ReadMeta(*ckpt)
	if err != nil {
		return err
	}
	// Both generative models sample the same way; only loading differs.
	var sample func(n int, seed uint64) ([]float32, error)
	var h, w, ch int
	var g *gan.Model
	switch meta["model"] {
	case vae.ModelName:
		m, err := vae.Load(*ckpt)
		if err != nil {
			return err
		}
		sample, h, w, ch = m.Sample, m.Cfg.H, m.Cfg.W, m.Cfg.C
	case gan.ModelName:
		m, err := gan.Load(*ckpt)
		if err != nil {
			return err
		}
		sample, h, w, ch, g = m.Sample, m.Cfg.H, m.Cfg.W, m.Cfg.C, m
	default:
		return fmt.Errorf("sample: %s holds a %q model, which has no prior to sample (want vae or gan)", *ckpt, meta["model"])
	}
	img, err := samplesFigure(sample, g, *n, *seed, h, w, ch)
	if err != nil {
		return err
	}
	if *out == "" {
		*out = filepath.Join(*ckpt, "samples.png")
	}
	if err := lab.WritePNG(*out, img); err != nil {
		return err
	}
	fmt.Println("wrote", *out)
	return nil
}

// samplesFigure draws n samples (seed) in rows of 8; a conditional GAN (g non-nil with
// classes) draws its class grid instead: one row per class, n/classes samples in each,
// the same noise down every column.
func samplesFigure(sample func(int, uint64) ([]float32, error), g *gan.Model, n int, seed uint64, h, w, c int) (*image.RGBA, error) {
	cols := 8
	var s []float32
	var err error
	if g != nil && g.Cfg.Classes > 0 {
		cols = max(1, n/g.Cfg.Classes)
		n = g.Cfg.Classes * cols
		s, err = g.ClassGrid(cols, seed)
	} else {
		s, err = sample(n, seed)
	}
	if err != nil {
		return nil, err
	}
	return lab.Grid(s, n, h, w, c, cols, 2), nil
}

// autoencoder is what eval needs of the AE and the VAE alike.
type autoencoder interface {
	eval.Reconstructor
	Encode(images []float32, n int) ([]float32, error)
	Features(images []float32, n int) ([]float32, error)
}

func cmdEval(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("eval", flag.ExitOnError)
	var c common
	c.register(fs)
	ckpt := fs.String("ckpt", filepath.Join("runs", "vae-mnist"), "checkpoint directory")
	dataset := fs.String("dataset", mnist.MNIST, "test set: "+datasetNames)
	k := fs.Int("k", 100, "importance samples for the NLL (VAE)")
	n := fs.Int("n", 10000, "test images to score")
	probeN := fs.Int("probe-n", 10000, "training images for the linear probes (0: no probes)")
	probeSteps := fs.Int("probe-steps", eval.DefaultProbeConfig().Steps, "training steps of each linear probe")
	seed := fs.Int64("seed", 1, "seed for the test binarization, the samples and the probes")
	fdN := fs.Int("fd-n", 10000, "samples for the Frechet distance of a VAE or GAN (0: none)")
	clsDir := fs.String("classifier", "", "the feature classifier of the Frechet distance (default runs/classifier-DATASET; trained there if missing)")
	clsSteps := fs.Int("classifier-steps", 2000, "training steps of a missing feature classifier")
	fs.Parse(args)
	if err := c.apply(); err != nil {
		return err
	}
	meta, err := fit.ReadMeta(*ckpt)
	if err != nil {
		return err
	}
	dir := datasets.Dir(c.data)
	fullTest, err := loadData(ctx, dir, *dataset, mnist.Test, *seed)
	if err != nil {
		return err
	}
	test := fullTest.Subset(*n)
	var train *datasets.Images // loaded on first use
	trainSet := func() (*datasets.Images, error) {
		if train == nil {
			train, err = loadData(ctx, dir, *dataset, mnist.Train, *seed)
		}
		return train, err
	}
	start := time.Now()
	var m autoencoder
	var v *vae.Model
	// sample draws from a generative model's prior, for the Frechet distance.
	var sample func(n int, seed uint64) ([]float32, error)
	switch meta["model"] {
	case ae.ModelName:
		if m, err = ae.Load(*ckpt); err != nil {
			return err
		}
	case vae.ModelName:
		if v, err = vae.Load(*ckpt); err != nil {
			return err
		}
		m, sample = v, v.Sample
	case gan.ModelName:
		g, err := gan.Load(*ckpt)
		if err != nil {
			return err
		}
		if g.Cfg.H != test.H || g.Cfg.W != test.W || g.Cfg.C != test.C {
			return fmt.Errorf("eval: the GAN in %s makes %dx%dx%d samples; %s has %dx%dx%d images",
				*ckpt, g.Cfg.H, g.Cfg.W, g.Cfg.C, *dataset, test.H, test.W, test.C)
		}
		sample = g.Sample
	default:
		return errors.New("eval: unknown model in checkpoint: " + meta["model"])
	}
	metric := func(name string, format string, value any) { fmt.Printf("metric %s="+format+"\n", name, value) }
	if sample != nil && *fdN > 0 {
		tr, err := trainSet()
		if err != nil {
			return err
		}
		if *clsDir == "" {
			*clsDir = filepath.Join("runs", "classifier-"+*dataset)
		}
		cls, err := featureClassifier(ctx, *clsDir, tr, fullTest, *clsSteps, *seed)
		if err != nil {
			return err
		}
		k := min(*fdN, tr.N, fullTest.N)
		gen, err := sample(k, uint64(*seed))
		if err != nil {
			return err
		}
		fd, err := eval.FrechetWithFloor(cls.Features, gen, tr, fullTest, k)
		if err != nil {
			return err
		}
		metric("fd", "%.3f", fd.Model)
		metric("fd_floor", "%.3f", fd.Floor)
		metric("fd_n", "%d", fd.N)
	}
	if m == nil {
		metric("eval_seconds", "%.1f", time.Since(start).Seconds())
		return nil
	}
	mse, err := eval.ReconstructionMSE(m, test)
	if err != nil {
		return err
	}
	metric("recon_mse", "%.6f", mse)
	if v != nil {
		lik, err := eval.NLL(v, test, *k, uint64(*seed))
		if err != nil {
			return err
		}
		metric("elbo", "%.3f", lik.ELBO)
		metric("nll_iw", "%.3f", lik.NLL)
		metric("iw_k", "%d", lik.K)
	}
	if *probeN > 0 {
		train, err := trainSet()
		if err != nil {
			return err
		}
		train = train.Subset(*probeN)
		pc := eval.DefaultProbeConfig()
		pc.Steps, pc.Seed = *probeSteps, *seed
		for _, p := range []struct {
			name string
			f    eval.FeatureFunc
		}{{"probe_features_acc", m.Features}, {"probe_code_acc", m.Encode}, {"probe_pixels_acc", nil}} {
			res, err := eval.ProbeImages(ctx, p.f, train, test, pc)
			if err != nil {
				return err
			}
			metric(p.name, "%.4f", res.TestAcc)
		}
	}
	if *dataset == "shapes" {
		// MIG is scored over the whole factor grid, as on dSprites.
		all, err := shapes.All(shapes.DefaultConfig())
		if err != nil {
			return err
		}
		res, err := eval.MIGImages(m.Encode, all)
		if err != nil {
			return err
		}
		metric("mig", "%.4f", res.MIG)
		for f, g := range res.PerFactor {
			metric("mig_"+all.FactorNames[f], "%.4f", g)
		}
	}
	metric("n", "%d", test.N)
	metric("eval_seconds", "%.1f", time.Since(start).Seconds())
	return nil
}

// featureClassifier loads the classifier whose features the Frechet distance is measured
// in from dir, or trains one there first (once per dataset) and reports its accuracy.
func featureClassifier(ctx context.Context, dir string, train, test *datasets.Images, steps int, seed int64) (*classifier.Model, error) {
	trained := fit.HasCheckpoint(dir)
	if !trained {
		fmt.Fprintf(os.Stderr, "eval: no feature classifier in %s: training one (%d steps, once for %s)\n", dir, steps, train.Name)
	}
	fc := fit.DefaultConfig()
	fc.Steps, fc.Seed = steps, seed
	m, err := classifier.LoadOrTrain(ctx, dir, train, fc)
	if err != nil {
		return nil, fmt.Errorf("eval: feature classifier: %w", err)
	}
	if !trained {
		acc, err := m.Accuracy(test)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(os.Stderr, "eval: feature classifier test accuracy %.4f\n", acc)
	}
	return m, nil
}

func cmdBench(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ExitOnError)
	var c common
	c.register(fs)
	peerName := fs.String("peer", "", "also time the same steps in this peer: pytorch")
	python := fs.String("python", "/usr/bin/python3", "Python interpreter with torch (the peer)")
	threads := fs.Int("threads", 2, "the peer's torch.set_num_threads")
	only := fs.String("models", "", "comma-separated models (default: all)")
	steps := fs.Int("steps", 20, "timed steps per round")
	warmup := fs.Int("warmup", 3, "untimed steps before each timing")
	rounds := fs.Int("rounds", 3, "rounds; genlab and the peer alternate within each, and the median is reported")
	fs.Parse(args)
	if err := c.apply(); err != nil {
		return err
	}
	defer c.stop()
	var peer *bench.Peer
	switch *peerName {
	case "":
	case "pytorch":
		var err error
		if peer, err = bench.NewPeer(*python, *threads); err != nil {
			return err
		}
		defer peer.Close()
	default:
		return fmt.Errorf("bench: unknown peer %q (want pytorch)", *peerName)
	}
	fmt.Printf("# %s, %d CPUs\n", bench.Settings(), runtime.NumCPU())
	if peer != nil {
		fmt.Printf("# peer: PyTorch CPU via %s, torch.set_num_threads(%d), %s\n", *python, *threads, strings.Join(bench.PeerEnv, " "))
	}
	want := map[string]bool{} // the models asked for; unknown names are an error
	for _, m := range strings.Split(*only, ",") {
		if m != "" {
			want[m] = true
		}
	}
	known := map[string]bool{}
	for _, cs := range bench.Cases() {
		known[cs.Name] = true
	}
	for m := range want {
		if !known[m] {
			return fmt.Errorf("bench: unknown model %q", m)
		}
	}
	var ratios []float64
	for _, cs := range bench.Cases() {
		if len(want) > 0 && !want[cs.Name] {
			continue
		}
		r, err := bench.NewRunner(cs)
		if err != nil {
			return err
		}
		var ours, theirs []float64
		var last bench.Result
		var lastPeer bench.PeerResult
		for range max(*rounds, 1) {
			if last, err = r.Time(*warmup, *steps); err != nil {
				r.Close()
				return err
			}
			ours = append(ours, last.StepsPerS)
			if peer != nil {
				if lastPeer, err = peer.Time(cs.Name, *warmup, *steps); err != nil {
					r.Close()
					return err
				}
				theirs = append(theirs, lastPeer.StepsPerS)
			}
		}
		r.Close()
		line := fmt.Sprintf("bench model=%s batch=%d genlab_steps_per_s=%.2f", cs.Name, cs.Batch, median(ours))
		if peer != nil {
			ratio := median(ours) / median(theirs)
			ratios = append(ratios, ratio)
			line += fmt.Sprintf(" peer_steps_per_s=%.2f ratio=%.3f", median(theirs), ratio)
		}
		fmt.Println(line)
		fmt.Printf("#   loss after warm-up -> after timing: genlab %.4g -> %.4g", last.LossFirst, last.LossLast)
		if peer != nil {
			fmt.Printf(", peer %.4g -> %.4g", lastPeer.LossFirst, lastPeer.LossLast)
		}
		fmt.Println()
		if peer != nil && len(ratios) == 1 {
			fmt.Printf("# peer settings: %s\n", lastPeer.Settings)
		}
	}
	if len(ratios) > 0 {
		g := 0.0
		for _, r := range ratios {
			g += math.Log(r)
		}
		fmt.Printf("bench summary models=%d geomean_ratio=%.3f min_ratio=%.3f\n", len(ratios), math.Exp(g/float64(len(ratios))), slices.Min(ratios))
	}
	return nil
}

func median(v []float64) float64 {
	s := slices.Clone(v)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}
