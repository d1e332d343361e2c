package main

import (
	"bytes"
	"context"
	"image/png"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/genlab-go/genlab/fit"
	"github.com/genlab-go/genlab/internal/testenv"
)

// pix2pix through the command on the real maps at 32x32: train writes translations of
// held-out pairs over training, sample draws them, eval scores them.
func TestCLIPix2Pix(t *testing.T) {
	data := testenv.DataDir(t, "maps/train")
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "p2p")
	cli := inProcess(t, "--data", data)
	cli("train", "pix2pix", "--dataset", "maps", "--size", "32", "--steps", "2", "--batch", "2", "--ckpt-every", "1", "--ckpt", ckpt)
	for _, f := range []string{"translations.png", "translations-000001.png", "translations-000002.png", "loss.png"} {
		if _, err := os.Stat(filepath.Join(ckpt, f)); err != nil {
			t.Errorf("train pix2pix did not write %s: %v", f, err)
		}
	}
	cli("sample", "--ckpt", ckpt, "--dataset", "maps", "--size", "32", "--n", "24", "--out", filepath.Join(dir, "t.png"))
	// 3 rows (24/8) of input | output | target, 32x32 cells at scale 2.
	wantPNG(t, filepath.Join(dir, "t.png"), 3*65+1, 3*65+1, "translation figure", "3 rows of 3 cells")
	// Models side by side (here the same one twice more): input | 3 outputs | target.
	cli("sample", "--ckpt", ckpt, "--with", ckpt+","+ckpt, "--dataset", "maps", "--size", "32", "--n", "16", "--out", filepath.Join(dir, "c.png"))
	wantPNG(t, filepath.Join(dir, "c.png"), 5*65+1, 2*65+1, "comparison figure", "2 rows of 5 cells")
	cls := filepath.Join(dir, "cls")
	out := cli("eval", "--ckpt", ckpt, "--dataset", "maps", "--size", "32", "--classifier", cls, "--classifier-steps", "3")
	for _, name := range []string{"l1", "psnr", "ssim", "sharpness", "map_acc", "iou_road", "found_road", "iou_water", "fd", "fd_floor", "n"} {
		if !regexp.MustCompile(`(?m)^metric ` + name + `=-?[0-9.]+$`).MatchString(out) {
			t.Errorf("eval of pix2pix lacks metric %s:\n%s", name, out)
		}
	}
	if !regexp.MustCompile(`(?m)^metric n=111$`).MatchString(out) {
		t.Errorf("eval should score the 111 held-out pairs:\n%s", out)
	}
	if !fit.HasCheckpoint(cls) {
		t.Errorf("eval did not keep the feature classifier it trained in %s", cls)
	}
}

// CycleGAN through the command: trained on the unpaired maps (photos and maps of
// different places), its figures translate held-out photos, and eval scores it on the
// held-out pairs it never saw as pairs.
func TestCLICycleGAN(t *testing.T) {
	data := testenv.DataDir(t, "maps/train")
	dir := t.TempDir()
	ckpt, cls := filepath.Join(dir, "cyc"), filepath.Join(dir, "cls")
	cli := inProcess(t, "--data", data)
	cli("train", "cyclegan", "--dataset", "maps-unpaired", "--size", "32", "--steps", "2", "--batch", "2", "--ckpt", ckpt)
	for _, f := range []string{"translations.png", "loss.png"} {
		if _, err := os.Stat(filepath.Join(ckpt, f)); err != nil {
			t.Errorf("train cyclegan did not write %s: %v", f, err)
		}
	}
	out := cli("eval", "--ckpt", ckpt, "--dataset", "maps", "--size", "32", "--classifier", cls, "--classifier-steps", "3")
	for _, name := range []string{"l1", "psnr", "ssim", "sharpness", "map_acc", "iou_road", "cycle_l1", "fd", "fd_floor"} {
		if !regexp.MustCompile(`(?m)^metric ` + name + `=-?[0-9.]+$`).MatchString(out) {
			t.Errorf("eval of cyclegan lacks metric %s:\n%s", name, out)
		}
	}
	// On unpaired data there is nothing to compare pixel by pixel: the cycle and the
	// distance to the target domain remain.
	out = cli("eval", "--ckpt", ckpt, "--dataset", "maps-unpaired", "--size", "32", "--classifier", cls+"-u", "--classifier-steps", "3")
	for _, name := range []string{"cycle_l1", "fd", "fd_floor"} {
		if !regexp.MustCompile(`(?m)^metric ` + name + `=-?[0-9.]+$`).MatchString(out) {
			t.Errorf("eval of cyclegan on unpaired maps lacks metric %s:\n%s", name, out)
		}
	}
	if regexp.MustCompile(`(?m)^metric (l1|psnr)=`).MatchString(out) {
		t.Errorf("eval on unpaired data printed pixel scores:\n%s", out)
	}
	cli("sample", "--ckpt", ckpt, "--dataset", "maps-unpaired", "--size", "32", "--n", "16", "--out", filepath.Join(dir, "u.png"))
	// 2 rows of input | translation | reconstruction.
	wantPNG(t, filepath.Join(dir, "u.png"), 3*65+1, 2*65+1, "unpaired translation figure", "2 rows of 3 cells")
}

// CycleGAN on faces by age: eval reads the ages of held-out faces before and after the
// translation with an age regressor it trains once (a few steps here).
func TestCLICycleGANFaces(t *testing.T) {
	data := testenv.DataDir(t, "utkface")
	dir := t.TempDir()
	ckpt := filepath.Join(dir, "cyc")
	cli := inProcess(t, "--data", data)
	cli("train", "cyclegan", "--dataset", "utkface-age", "--size", "16", "--steps", "2", "--ckpt", ckpt)
	out := cli("eval", "--ckpt", ckpt, "--dataset", "utkface-age", "--size", "16", "--n", "400",
		"--classifier", filepath.Join(dir, "cls"), "--classifier-steps", "2",
		"--regressor", filepath.Join(dir, "age"), "--regressor-steps", "3")
	for _, name := range []string{"cycle_l1", "fd", "age_regressor_mae", "age_input", "age_output", "age_target", "age_shift"} {
		if !regexp.MustCompile(`(?m)^metric ` + name + `=-?[0-9.]+$`).MatchString(out) {
			t.Errorf("eval of cyclegan on faces lacks metric %s:\n%s", name, out)
		}
	}
	// The regressor is a model of its own: the command evaluates it too.
	out = cli("eval", "--ckpt", filepath.Join(dir, "age"), "--dataset", "utkface", "--size", "16", "--n", "200")
	if !regexp.MustCompile(`(?m)^metric test_mae=[0-9.]+$`).MatchString(out) {
		t.Errorf("eval of the age regressor lacks test_mae:\n%s", out)
	}
}

// inProcess returns the command run in this process with args and then extra (flags
// every call shares), failing t on an error; it returns what the command printed.
func inProcess(t *testing.T, extra ...string) func(args ...string) string {
	return func(args ...string) string {
		t.Helper()
		var out bytes.Buffer
		if err := run(context.Background(), append(args, extra...), &out); err != nil {
			t.Fatalf("genlab %v: %v\n%s", args, err, out.String())
		}
		return out.String()
	}
}

// wantPNG checks that path is a PNG image of w x h pixels: what a figure of cells of a
// known size must measure.
func wantPNG(t *testing.T, path string, w, h int, what, want string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Error(err)
		return
	}
	defer f.Close()
	cfg, err := png.DecodeConfig(f)
	if err != nil || cfg.Width != w || cfg.Height != h {
		t.Errorf("%s %dx%d (%v), want %s", what, cfg.Width, cfg.Height, err, want)
	}
}
