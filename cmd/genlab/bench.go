package main

import (
	"fmt"
	"io"
	"runtime"
	"slices"
	"strings"

	"github.com/genlab-go/genlab/bench"
)

// cmdBench times train steps of the bench cases, side by side with a peer.
func cmdBench(args []string, out io.Writer) error {
	var c common
	fset := c.flags("bench")
	peerName := fset.String("peer", "", "also time the same steps in this peer: pytorch")
	python := fset.String("python", "/usr/bin/python3", "Python interpreter with torch (the peer)")
	threads := fset.Int("threads", 2, "the peer's torch.set_num_threads")
	device := fset.String("device", "cpu", "the peer's torch device: cpu, or cuda beside genlab on XLA's CUDA plugin")
	compile := fset.Bool("compile", false, "torch.compile the peer's networks (PyTorch >= 2.0; its compilation falls in the warm-up steps, so give --warmup 10 or more)")
	only := fset.String("models", "", "comma-separated models (default: all)")
	steps := fset.Int("steps", 20, "timed steps per round")
	warmup := fset.Int("warmup", 3, "untimed steps before each timing")
	rounds := fset.Int("rounds", 3, "rounds; genlab and the peer alternate within each, and the median is reported")
	if err := c.parse(fset, args); err != nil {
		return err
	}
	defer c.stop()
	var peer *bench.Peer
	switch *peerName {
	case "":
	case "pytorch":
		var err error
		if peer, err = bench.NewPeer(*python, *threads, *device); err != nil {
			return err
		}
		defer peer.Close()
		peer.Compile = *compile
	default:
		return fmt.Errorf("bench: unknown peer %q (want pytorch)", *peerName)
	}
	if *compile && peer == nil {
		return fmt.Errorf("bench: --compile is the peer's (torch.compile): give --peer pytorch")
	}
	cases := bench.Cases()
	if *only != "" {
		var picked []bench.Case
		for _, name := range strings.Split(*only, ",") {
			i := slices.IndexFunc(cases, func(cs bench.Case) bool { return cs.Name == name })
			if i < 0 {
				return fmt.Errorf("bench: unknown model %q", name)
			}
			picked = append(picked, cases[i])
		}
		cases = picked
	}
	settings, err := bench.Settings()
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "# %s, %d CPUs\n", settings, runtime.NumCPU())
	if peer != nil {
		fmt.Fprintf(out, "# peer: PyTorch on %s via %s, torch.set_num_threads(%d), %s\n", *device, *python, *threads, strings.Join(bench.PeerEnv, " "))
	}
	var ratios []float64
	for _, cs := range cases {
		r, err := bench.Compare(cs, peer, *warmup, *steps, *rounds)
		if err != nil {
			return err
		}
		line := fmt.Sprintf("bench model=%s batch=%d genlab_steps_per_s=%.2f", cs.Name, cs.Batch, r.Genlab)
		if peer != nil {
			ratios = append(ratios, r.Ratio())
			line += fmt.Sprintf(" peer_steps_per_s=%.2f ratio=%.3f", r.Peer, r.Ratio())
		}
		fmt.Fprintln(out, line)
		fmt.Fprintf(out, "#   loss after warm-up -> after timing: genlab %.4g -> %.4g", r.Last.LossFirst, r.Last.LossLast)
		if peer != nil {
			fmt.Fprintf(out, ", peer %.4g -> %.4g", r.LastPeer.LossFirst, r.LastPeer.LossLast)
		}
		fmt.Fprintln(out)
		fmt.Fprintf(out, "#   weights after %d steps: sha256=%s\n", r.Steps, r.Weights)
		if peer != nil && len(ratios) == 1 {
			fmt.Fprintf(out, "# peer settings: %s\n", r.LastPeer.Settings)
		}
	}
	if len(ratios) > 0 {
		fmt.Fprintf(out, "bench summary models=%d geomean_ratio=%.3f min_ratio=%.3f\n", len(ratios), bench.GeoMean(ratios), slices.Min(ratios))
	}
	return nil
}
