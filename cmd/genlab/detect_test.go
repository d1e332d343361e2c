package main

import (
	"path/filepath"
	"regexp"
	"testing"

	"github.com/genlab-go/genlab/internal/testenv"
)

// The face detector and the DB-VAE through the command, on the real detection set at
// 16x16: train, then eval prints each race x gender group's accuracy, their mean and
// gap, and the accuracy on faces and on objects.
func TestCLIDetectors(t *testing.T) {
	data := testenv.DataDir(t, "imagenet-sample/images")
	testenv.DataDir(t, "utkface/labels.csv")
	dir := t.TempDir()
	cli := inProcess(t, "--data", data)
	for _, m := range []string{"detector", "dbvae"} {
		ckpt := filepath.Join(dir, m)
		cli("train", m, "--dataset", "utkface-detect", "--size", "16", "--steps", "3", "--ckpt", ckpt)
		out := cli("eval", "--ckpt", ckpt, "--dataset", "utkface-detect", "--size", "16", "--probe-n", "0")
		for _, name := range []string{"acc_white_male", "acc_black_female", "acc_mean", "acc_gap", "acc_faces", "acc_objects", "test_acc"} {
			if !regexp.MustCompile(`(?m)^metric ` + name + `=[0-9.]+$`).MatchString(out) {
				t.Errorf("eval of %s lacks metric %s:\n%s", m, name, out)
			}
		}
		if !regexp.MustCompile(`(?m)^# black_female +\d+ faces  accuracy [0-9.]+  95% \[[0-9.]+, [0-9.]+\]$`).MatchString(out) {
			t.Errorf("eval of %s prints no group line with its size and interval:\n%s", m, out)
		}
	}
}
