package bench

import (
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/internal/testenv"
)

// fakePeer is a Peer whose interpreter is a stand-in shell script: it passes NewPeer's
// import check and runs serve, so that these tests check the Go side of the protocol
// without torch.
func fakePeer(t *testing.T, serve string) *Peer {
	t.Helper()
	path := filepath.Join(t.TempDir(), "python")
	script := "#!/bin/sh\ncase \"$*\" in *'-c import torch'*) exit 0 ;; esac\n" + serve
	if err := os.WriteFile(path, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	peer, err := NewPeer(path, 2, "cpu")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(peer.Close)
	return peer
}

// serveRounds is a stand-in peer's serve loop: each round reports its number as the rate
// and the arguments it was started with as its settings.
const serveRounds = `n=0
while read line; do
	n=$((n+1))
	echo "{\"model\": \"x\", \"steps_per_s\": $n, \"loss_first\": 1, \"loss_last\": 0.5, \"settings\": \"args: $*\"}"
done
`

func TestPeerSessionServesEveryRound(t *testing.T) {
	peer := fakePeer(t, serveRounds)
	peer.Compile = true
	s, err := peer.Start("mlp_vae", 3, 20)
	if err != nil {
		t.Fatal(err)
	}
	for round := 1; round <= 3; round++ {
		r, err := s.Time()
		if err != nil {
			t.Fatal(err)
		}
		if r.StepsPerS != float64(round) {
			t.Errorf("round %d: the peer says round %g: not one process serving every round", round, r.StepsPerS)
		}
		for _, arg := range []string{"--serve", "--model mlp_vae", "--warmup 3", "--steps 20", "--threads 2", "--device cpu", "--compile"} {
			if !strings.Contains(r.Settings, arg) {
				t.Errorf("the peer was not started with %q: %s", arg, r.Settings)
			}
		}
	}
	if err := s.Close(); err != nil {
		t.Error(err)
	}
}

func TestPeerSessionFailureSaysWhy(t *testing.T) {
	peer := fakePeer(t, "echo 'RuntimeError: no such model' >&2\nexit 1\n")
	s, err := peer.Start("mlp_vae", 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.Time(); err == nil || !strings.Contains(err.Error(), "no such model") {
		t.Errorf("a failing peer: want its stderr in the error, got %v", err)
	}
}

func TestCompareKeepsOnePeerPerCase(t *testing.T) {
	peer := fakePeer(t, serveRounds)
	cases := Cases()
	c, err := Compare(cases[0], peer, 1, 1, 3)
	if err != nil {
		t.Fatal(err)
	}
	if c.Peer != 2 { // the median of rounds 1, 2, 3 of one process
		t.Errorf("the peer's median %g, want 2 (one process for the three rounds)", c.Peer)
	}
}

// TestPeerRunsEveryCase runs the real PyTorch peer (Debian's python3-torch, which
// scripts/test.sh installs) on every bench case for two rounds of one process: the
// peer's models, the serve loop and the JSON it prints, which a timing run would
// otherwise be the first to try.
func TestPeerRunsEveryCase(t *testing.T) {
	peer, err := NewPeer("/usr/bin/python3", 2, "cpu")
	if err != nil {
		testenv.Missing(t, err.Error())
	}
	defer peer.Close()
	for _, c := range Cases() {
		s, err := peer.Start(c.Name, 1, 1)
		if err != nil {
			t.Fatal(err)
		}
		for round := range 2 {
			r, err := s.Time()
			if err != nil {
				t.Fatalf("%s, round %d: %v", c.Name, round+1, err)
			}
			for what, v := range map[string]float64{"steps/s": r.StepsPerS, "first loss": r.LossFirst, "last loss": r.LossLast} {
				if math.IsNaN(v) || math.IsInf(v, 0) || (what == "steps/s" && v <= 0) || (what != "steps/s" && v == 0) {
					t.Errorf("%s, round %d: %s %g", c.Name, round+1, what, v)
				}
			}
			if !strings.Contains(r.Settings, "torch ") {
				t.Errorf("%s: settings %q do not name torch", c.Name, r.Settings)
			}
		}
		if err := s.Close(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
	}
}
