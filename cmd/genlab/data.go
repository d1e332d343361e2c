package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"

	"github.com/genlab-go/genlab/datasets"
)

// cmdData loads (downloading where it can) and verifies datasets.
func cmdData(ctx context.Context, args []string, out io.Writer) error {
	var c common
	fset := c.flags("data")
	which := fset.String("dataset", "all", "a dataset ("+datasetNames()+") or all")
	if err := c.parse(fset, args); err != nil {
		return err
	}
	defer c.stop()
	dir := datasets.Dir(c.data)
	names := []string{*which}
	if *which == "all" {
		names = datasets.Names()
	}
	for _, name := range names {
		src, err := datasets.Lookup(name)
		if err != nil {
			return err
		}
		if src.Generated && *which == "all" {
			continue // drawn in code: nothing to fetch
		}
		for _, split := range []datasets.Split{datasets.Train, datasets.Test} {
			d, err := src.Load(ctx, dir, split, 0)
			if err != nil && *which == "all" && src.Hint != "" && errors.Is(err, fs.ErrNotExist) {
				// A set that cannot be downloaded (UTKFace) is reported under "all", not
				// an error, so that the downloadable ones are still fetched.
				fmt.Fprintf(out, "skip %s: not in %s; %s\n", name, dir, src.Hint)
				break
			}
			if err != nil {
				return err
			}
			fmt.Fprintf(out, "ok %s/%s: %d images %dx%dx%d, checksums verified (%s)\n", name, split, d.N, d.H, d.W, d.C, dir)
		}
	}
	return nil
}

// datasetNames is what --dataset accepts, for the flags' help.
func datasetNames() string {
	names := datasets.Names()
	s := ""
	for i, n := range names {
		switch {
		case i == 0:
		case i == len(names)-1:
			s += " or "
		default:
			s += ", "
		}
		s += n
	}
	return s
}
