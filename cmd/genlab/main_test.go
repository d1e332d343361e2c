package main

import (
	"bytes"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
)

// TestCLISmoke builds the command and runs train, sample and eval end to end on the
// built-in shapes dataset (no file needed), checking the outputs they promise.
func TestCLISmoke(t *testing.T) {
	dir := t.TempDir()
	bin := filepath.Join(dir, "genlab")
	build := exec.Command("go", "build", "-buildvcs=auto", "-o", bin, ".") // the commit, for the run manifest
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	run := func(args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "GOMLX_BACKEND=go")
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("genlab %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		return string(out)
	}
	ckpt := filepath.Join(dir, "vae")
	run("train", "vae", "--dataset", "shapes", "--arch", "mlp", "--steps", "20", "--batch", "16", "--latent", "4", "--ckpt", ckpt)
	for _, f := range []string{"checkpoint.genlab", "loss.png", "reconstructions.png"} {
		if _, err := os.Stat(filepath.Join(ckpt, f)); err != nil {
			t.Errorf("train did not write %s: %v", f, err)
		}
	}
	run("sample", "--ckpt", ckpt, "--n", "16")
	if _, err := os.Stat(filepath.Join(ckpt, "samples.png")); err != nil {
		t.Errorf("sample did not write samples.png: %v", err)
	}
	out := run("eval", "--ckpt", ckpt, "--dataset", "shapes", "--n", "64", "--k", "5", "--probe-n", "200", "--probe-steps", "20", "--fd-n", "0")
	// The run manifest: the build (commit, Go, GoMLX), backend, seed and data of the run.
	if !regexp.MustCompile(`(?m)^# trained steps 0-20: genlab \S+, go1\.\S+, gomlx v[0-9.]+, backend .+, seed 1, data shapes/all \(9216 images of 32x32x1, sha256 [0-9a-f]{12}\)$`).MatchString(out) {
		t.Errorf("eval prints no run manifest:\n%s", out)
	}
	for _, name := range []string{"elbo", "nll_iw", "recon_mse", "probe_features_acc", "probe_code_acc", "probe_pixels_acc", "mig", "mig_shape"} {
		if !regexp.MustCompile(`(?m)^metric ` + name + `=-?[0-9.]+$`).MatchString(out) {
			t.Errorf("eval output lacks metric %s:\n%s", name, out)
		}
	}
	// The same command with the same seed, into another directory: the same metric lines
	// to the last digit (all but the timing and memory).
	ckpt2 := filepath.Join(dir, "vae2")
	run("train", "vae", "--dataset", "shapes", "--arch", "mlp", "--steps", "20", "--batch", "16", "--latent", "4", "--ckpt", ckpt2)
	out2 := run("eval", "--ckpt", ckpt2, "--dataset", "shapes", "--n", "64", "--k", "5", "--probe-n", "200", "--probe-steps", "20", "--fd-n", "0")
	metrics := func(s string) []string {
		return regexp.MustCompile(`(?m)^metric (?:[a-z_]+)=.*$`).FindAllString(regexp.MustCompile(`(?m)^metric (eval_seconds|peak_mib)=.*$`).ReplaceAllString(s, ""), -1)
	}
	if a, b := metrics(out), metrics(out2); !slices.Equal(a, b) || len(a) < 8 {
		t.Errorf("two runs with seed 1 differ:\n%s\n---\n%s", strings.Join(a, "\n"), strings.Join(b, "\n"))
	}
	// The autoencoder: train and eval (no likelihood, the same probes and MIG).
	aeDir := filepath.Join(dir, "ae")
	run("train", "ae", "--dataset", "shapes", "--arch", "mlp", "--steps", "10", "--batch", "16", "--latent", "3", "--ckpt", aeDir)
	out = run("eval", "--ckpt", aeDir, "--dataset", "shapes", "--n", "64", "--probe-n", "200", "--probe-steps", "20")
	for _, name := range []string{"recon_mse", "probe_code_acc", "mig"} {
		if !regexp.MustCompile(`(?m)^metric ` + name + `=-?[0-9.]+$`).MatchString(out) {
			t.Errorf("ae eval output lacks metric %s:\n%s", name, out)
		}
	}
	if strings.Contains(out, "nll_iw") {
		t.Errorf("ae eval printed a likelihood:\n%s", out)
	}
	// A conditional DCGAN on the shapes (3 classes): train writes samples, sample reads it.
	ganDir := filepath.Join(dir, "gan")
	run("train", "gan", "--dataset", "shapes", "--conditional", "--batchnorm", "--steps", "4", "--batch", "8", "--ckpt-every", "2", "--ckpt", ganDir)
	for _, f := range []string{"checkpoint.genlab", "samples.png", "samples-000002.png", "samples-000004.png"} {
		if _, err := os.Stat(filepath.Join(ganDir, f)); err != nil {
			t.Errorf("train gan did not write %s: %v", f, err)
		}
	}
	// The grids over training use the same noise: the last one is the final figure.
	last, err1 := os.ReadFile(filepath.Join(ganDir, "samples-000004.png"))
	final, err2 := os.ReadFile(filepath.Join(ganDir, "samples.png"))
	if err1 != nil || err2 != nil || !bytes.Equal(last, final) {
		t.Errorf("samples at the last checkpoint differ from samples.png (%v, %v)", err1, err2)
	}
	// A conditional GAN's figure is its class grid: --n 7 with 3 classes is 3 rows of 2.
	run("sample", "--ckpt", ganDir, "--n", "7", "--out", filepath.Join(dir, "gan-samples.png"))
	if f, err := os.Open(filepath.Join(dir, "gan-samples.png")); err != nil {
		t.Errorf("sample from a GAN: %v", err)
	} else {
		cfg, err := png.DecodeConfig(f)
		f.Close()
		if cell := (cfg.Width - 1) / 2; err != nil || cfg.Height != 3*cell+1 {
			t.Errorf("class grid of 3 classes, --n 7: %dx%d pixels, want 2 columns and 3 rows of square cells (%v)", cfg.Width, cfg.Height, err)
		}
	}
	// The GAN and the VAE are scored by the same Frechet distance, in the features of a
	// classifier that eval trains on first use (and genlab train classifier can train).
	clsDir := filepath.Join(dir, "classifier")
	for _, c := range []string{ganDir, ckpt} {
		out = run("eval", "--ckpt", c, "--dataset", "shapes", "--n", "64", "--k", "2", "--fd-n", "64", "--classifier", clsDir, "--classifier-steps", "5", "--probe-n", "0")
		for _, name := range []string{"fd", "fd_floor", "fd_n"} {
			if !regexp.MustCompile(`(?m)^metric ` + name + `=[0-9.]+$`).MatchString(out) {
				t.Errorf("eval of %s lacks metric %s:\n%s", c, name, out)
			}
		}
	}
	out = run("train", "classifier", "--dataset", "shapes", "--steps", "3", "--batch", "8", "--ckpt", filepath.Join(dir, "cls2"))
	if !regexp.MustCompile(`(?m)^metric test_acc=[0-9.]+$`).MatchString(out) {
		t.Errorf("train classifier printed no test accuracy:\n%s", out)
	}
	// WGAN-GP: the critic's update repeats; the checkpoint records the loss.
	wDir := filepath.Join(dir, "wgan")
	run("train", "gan", "--dataset", "shapes", "--loss", "wgan-gp", "--steps", "2", "--batch", "8", "--ckpt", wDir)
	if _, err := os.Stat(filepath.Join(wDir, "samples.png")); err != nil {
		t.Errorf("train gan --loss wgan-gp: %v", err)
	}
	if err := exec.Command(bin, "train", "gan", "--dataset", "shapes", "--loss", "wgan", "--steps", "1", "--ckpt", filepath.Join(dir, "bad")).Run(); err == nil {
		t.Error("an unknown --loss should fail")
	}
	if err := exec.Command(bin, "sample", "--ckpt", aeDir).Run(); err == nil {
		t.Error("sampling an autoencoder (no prior) should fail")
	}
	// The benchmark, genlab side only (the PyTorch peer is not installed in CI). Run
	// without GODEBUG, the command still finds math.Exp's fast path: it re-executes
	// itself with backend.ExpSetting where that matters.
	cmd := exec.Command(bin, "bench", "--steps", "1", "--warmup", "1", "--rounds", "1")
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "GODEBUG=") {
			cmd.Env = append(cmd.Env, kv)
		}
	}
	raw, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("genlab bench: %v\n%s", err, raw)
	}
	out = string(raw)
	if !strings.Contains(out, "math.Exp: fast path") {
		t.Errorf("genlab bench run without GODEBUG does not say math.Exp takes its fast path:\n%s", out)
	}
	// The header names the backend the cases ran on, in GoMLX's words (XLA says its plugin).
	if !strings.Contains(out, "Go Portable Compute Backend") {
		t.Errorf("genlab bench does not say which backend it ran on:\n%s", out)
	}
	if raw, err := exec.Command(bin, "bench", "--peer", "pytorch", "--device", "tpu", "--models", "mlp_vae").CombinedOutput(); err == nil || !strings.Contains(string(raw), "unknown peer device") {
		t.Errorf("genlab bench --device tpu: want an unknown-device error, got %v:\n%s", err, raw)
	}
	if raw, err := exec.Command(bin, "bench", "--compile", "--models", "mlp_vae").CombinedOutput(); err == nil || !strings.Contains(string(raw), "give --peer pytorch") {
		t.Errorf("genlab bench --compile without a peer: want an error, got %v:\n%s", err, raw)
	}
	for _, name := range []string{"mlp_vae", "conv_vae", "dcgan", "dcgan_bn", "pix2pix", "cyclegan", "regressor", "pixelcnn", "detector", "dbvae", "diffusion", "flow", "progan"} {
		if !regexp.MustCompile(`(?m)^bench model=` + name + ` batch=[0-9]+ genlab_steps_per_s=[0-9.]+$`).MatchString(out) {
			t.Errorf("bench output lacks model %s:\n%s", name, out)
		}
	}
	// The growing GAN through all its stages (4x4 to the shapes' 32x32) in 8 steps, its
	// samples at the final size.
	gDir := filepath.Join(dir, "progan")
	run("train", "progan", "--dataset", "shapes", "--steps", "8", "--batch", "4", "--latent", "4",
		"--set", "Channels=[4,4,4,4]", "--set", "Mapping=1", "--set", "FadeSteps=1", "--set", "StableSteps=1", "--set", "Group=2", "--ckpt", gDir)
	if _, err := os.Stat(filepath.Join(gDir, "samples.png")); err != nil {
		t.Errorf("train progan: %v", err)
	}
	// PixelCNN: an exact likelihood, and samples drawn pixel by pixel.
	pDir := filepath.Join(dir, "pixelcnn")
	run("train", "pixelcnn", "--dataset", "shapes", "--steps", "2", "--batch", "8", "--set", "Filters=4", "--set", "Layers=1", "--ckpt", pDir)
	if _, err := os.Stat(filepath.Join(pDir, "samples.png")); err != nil {
		t.Errorf("train pixelcnn: %v", err)
	}
	out = run("eval", "--ckpt", pDir, "--dataset", "shapes", "--n", "50", "--fd-n", "0", "--probe-n", "0")
	for _, name := range []string{"nll", "bits_per_pixel"} {
		if !regexp.MustCompile(`(?m)^metric ` + name + `=[0-9.]+$`).MatchString(out) {
			t.Errorf("eval of pixelcnn lacks metric %s:\n%s", name, out)
		}
	}
	// Outliers by likelihood: the shapes' own test images as "outliers" are the very
	// images scored as inliers, so every pair ties and the AUROC is exactly one half.
	out = run("eval", "--ckpt", pDir, "--dataset", "shapes", "--n", "60", "--fd-n", "0", "--ood", "shapes")
	// A background model (the same PixelCNN on perturbed shapes) for the likelihood ratio.
	bgDir := filepath.Join(dir, "pixelcnn-bg")
	run("train", "pixelcnn", "--dataset", "shapes", "--steps", "2", "--batch", "8", "--set", "Filters=4", "--set", "Layers=1", "--set", "Perturb=0.2", "--ckpt", bgDir)
	out = run("eval", "--ckpt", pDir, "--dataset", "shapes", "--n", "60", "--fd-n", "0", "--ood", "shapes", "--background", bgDir)
	for _, name := range []string{"auroc", "auroc_complexity", "auroc_ratio"} {
		if m := regexp.MustCompile(`(?m)^metric ` + name + `=([0-9.]+)$`).FindStringSubmatch(out); m == nil {
			t.Errorf("eval --ood printed no %s:\n%s", name, out)
		} else if a, _ := strconv.ParseFloat(m[1], 64); a != 0.5 {
			t.Errorf("eval --ood shapes on shapes: %s %g, want 0.5", name, a)
		}
	}
	// Diffusion: train, sample with a chosen number of DDIM steps; --steps on a model
	// without them is an error.
	dDir := filepath.Join(dir, "diffusion")
	run("train", "diffusion", "--dataset", "shapes", "--steps", "2", "--batch", "8", "--set", "Channels=[4,8]", "--set", "Embed=4", "--set", "T=20", "--set", "SampleSteps=4", "--ckpt", dDir)
	run("sample", "--ckpt", dDir, "--n", "4", "--steps", "2", "--out", filepath.Join(dir, "diffusion.png"))
	if _, err := os.Stat(filepath.Join(dir, "diffusion.png")); err != nil {
		t.Errorf("sample --steps 2: %v", err)
	}
	if out, err := exec.Command(bin, "sample", "--ckpt", ckpt, "--steps", "2").CombinedOutput(); err == nil || !strings.Contains(string(out), "no sampling steps") {
		t.Errorf("sample --steps of a VAE: %v\n%s", err, out)
	}
	// Flow matching: train, sample by Heun's solver in 2 steps, eval its distance at a
	// chosen step count; --solver on a model without one, or an unknown solver, is an
	// error.
	flowDir := filepath.Join(dir, "flow")
	run("train", "flow", "--dataset", "shapes", "--steps", "2", "--batch", "8", "--set", "Channels=[4,8]", "--set", "Embed=4", "--set", "SampleSteps=3", "--ckpt", flowDir)
	run("sample", "--ckpt", flowDir, "--n", "4", "--steps", "2", "--solver", "heun", "--out", filepath.Join(dir, "flow.png"))
	if _, err := os.Stat(filepath.Join(dir, "flow.png")); err != nil {
		t.Errorf("sample a flow --solver heun: %v", err)
	}
	out = run("eval", "--ckpt", flowDir, "--dataset", "shapes", "--fd-n", "50", "--probe-n", "0", "--steps", "1", "--classifier", filepath.Join(dir, "cls-flow"), "--classifier-steps", "5")
	if !regexp.MustCompile(`(?m)^metric fd=[0-9.]+$`).MatchString(out) {
		t.Errorf("eval of a flow model printed no fd:\n%s", out)
	}
	for _, c := range []struct{ ckpt, solver, want string }{{dDir, "euler", "no solver"}, {flowDir, "rk4", "no solver \"rk4\""}} {
		if out, err := exec.Command(bin, "sample", "--ckpt", c.ckpt, "--solver", c.solver).CombinedOutput(); err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("sample --solver %s of %s: %v\n%s", c.solver, c.ckpt, err, out)
		}
	}
	// A conditional one: its class grid at a chosen guidance weight; --guidance on a
	// model without labels, or without guidance, is an error.
	cdDir := filepath.Join(dir, "diffusion-cond")
	// (16 channels: with one channel per GroupNorm group, of 8, the norm after the
	// embedding's add takes it out again, and the label could not change the noise.)
	run("train", "diffusion", "--dataset", "shapes", "--conditional", "--steps", "2", "--batch", "8", "--set", "Channels=[16]", "--set", "Embed=4", "--set", "T=20", "--set", "SampleSteps=4", "--set", "EMA=0", "--ckpt", cdDir)
	for _, w := range []string{"0", "3"} {
		run("sample", "--ckpt", cdDir, "--n", "8", "--guidance", w, "--out", filepath.Join(dir, "guided-"+w+".png"))
	}
	g0, err0 := os.ReadFile(filepath.Join(dir, "guided-0.png"))
	g3, err3 := os.ReadFile(filepath.Join(dir, "guided-3.png"))
	if err0 != nil || err3 != nil || bytes.Equal(g0, g3) {
		t.Errorf("sample --guidance 0 and 3 drew the same grid (%v, %v)", err0, err3)
	}
	// The class grid, a row per class (the shapes' three, two columns each), not a row
	// of eight samples.
	if img, err := png.Decode(bytes.NewReader(g0)); err != nil {
		t.Errorf("sample --guidance 0: %v", err)
	} else if b := img.Bounds(); b.Dy() <= b.Dx() {
		t.Errorf("sample of a conditional diffusion model: a %dx%d grid, not a class grid", b.Dx(), b.Dy())
	}
	for _, c := range []struct{ ckpt, w, want string }{{dDir, "1", "conditional"}, {ckpt, "1", "no classifier-free guidance"}, {cdDir, "-1", "w >= 0"}} {
		if out, err := exec.Command(bin, "sample", "--ckpt", c.ckpt, "--guidance", c.w).CombinedOutput(); err == nil || !strings.Contains(string(out), c.want) {
			t.Errorf("sample --guidance %s of %s: %v\n%s", c.w, c.ckpt, err, out)
		}
	}
	if out, err := exec.Command(bin, "eval", "--ckpt", wDir, "--dataset", "shapes", "--ood", "shapes").CombinedOutput(); err == nil || !strings.Contains(string(out), "no likelihood") {
		t.Errorf("eval --ood of a GAN: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "eval", "--ckpt", pDir, "--dataset", "shapes", "--background", bgDir).CombinedOutput(); err == nil || !strings.Contains(string(out), "needs --ood") {
		t.Errorf("eval --background without --ood: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "train", "gan", "--dataset", "celeba", "--steps", "1", "--ckpt", filepath.Join(dir, "bad")).CombinedOutput(); err == nil || !strings.Contains(string(out), "unknown dataset") {
		t.Errorf("an unknown --dataset: %v\n%s", err, out)
	}
	// Resuming a finished run is a no-op that still succeeds; a bad command fails.
	run("train", "vae", "--dataset", "shapes", "--arch", "mlp", "--steps", "20", "--batch", "16", "--latent", "4", "--ckpt", ckpt)
	if err := exec.Command(bin, "train", "gan?").Run(); err == nil {
		t.Error("genlab train with an unknown model should fail")
	}
	// Faces (real UTKFace): the 32x32 colour DCGAN. Last, because DataDir skips the
	// rest of the test where the data directory lacks them (outside CI).
	data := testenv.DataDir(t, "utkface/labels.csv")
	fDir := filepath.Join(dir, "faces")
	run("train", "gan", "--dataset", "utkface", "--data", data, "--steps", "2", "--batch", "8", "--ckpt", fDir)
	if _, err := os.Stat(filepath.Join(fDir, "samples.png")); err != nil {
		t.Errorf("train gan --dataset utkface: %v", err)
	}
	// The faces VAE: a Gaussian decoder on the pixels as they are (binarizing colour
	// would lose what the model is for), scored by eval without binarizing.
	fvae := filepath.Join(dir, "fvae")
	run("train", "vae", "--dataset", "utkface", "--data", data, "--steps", "2", "--batch", "8", "--ckpt", fvae)
	if meta, err := fit.ReadMeta(fvae); err != nil || !strings.Contains(meta["config"], `"Likelihood":"gaussian"`) || !strings.Contains(meta["config"], `"Binarize":false`) {
		t.Errorf("train vae --dataset utkface: want a Gaussian decoder without binarization, got %v (%v)", meta["config"], err)
	}
	out = run("eval", "--ckpt", fvae, "--dataset", "utkface", "--data", data, "--n", "32", "--k", "2", "--fd-n", "64",
		"--classifier", filepath.Join(dir, "fcls"), "--classifier-steps", "2", "--probe-n", "0")
	for _, name := range []string{"fd", "fd_floor", "nll_iw", "recon_mse"} {
		if !regexp.MustCompile(`(?m)^metric ` + name + `=-?[0-9.]+$`).MatchString(out) {
			t.Errorf("faces VAE eval output lacks metric %s:\n%s", name, out)
		}
	}
}
