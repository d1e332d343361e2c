package bench

import (
	"math"
	"slices"
)

// Comparison is one case timed over several rounds, genlab and (if any) the peer
// alternating within each round so that both see the same machine state.
type Comparison struct {
	Case     Case
	Genlab   float64 // median steps/s
	Peer     float64 // median steps/s of the peer (0 without one)
	Last     Result  // genlab's last round (its losses)
	LastPeer PeerResult
	// Weights is fit.WeightsDigest of genlab's variables after every round, and Steps the
	// train steps those rounds ran: two builds of the backend that claim the same
	// arithmetic give the same digest.
	Weights string
	Steps   int
}

// Ratio is genlab's speed over the peer's (0 without a peer).
func (c Comparison) Ratio() float64 {
	if c.Peer == 0 {
		return 0
	}
	return c.Genlab / c.Peer
}

// Compare times c for rounds rounds of warmup untimed and steps timed steps, against
// peer if it is not nil (one peer process for all the rounds, as genlab's side keeps one
// Runner), and reports the medians.
func Compare(c Case, peer *Peer, warmup, steps, rounds int) (cmp Comparison, err error) {
	r, err := NewRunner(c)
	if err != nil {
		return Comparison{}, err
	}
	defer r.Close()
	cmp = Comparison{Case: c}
	var session *PeerSession
	if peer != nil {
		if session, err = peer.Start(c.Name, warmup, steps); err != nil {
			return cmp, err
		}
		defer func() {
			if cerr := session.Close(); cerr != nil && err == nil {
				err = cerr
			}
		}()
	}
	var ours, theirs []float64
	for range max(rounds, 1) {
		if cmp.Last, err = r.Time(warmup, steps); err != nil {
			return cmp, err
		}
		ours = append(ours, cmp.Last.StepsPerS)
		if session != nil {
			if cmp.LastPeer, err = session.Time(); err != nil {
				return cmp, err
			}
			theirs = append(theirs, cmp.LastPeer.StepsPerS)
		}
	}
	cmp.Steps = max(rounds, 1) * (max(warmup, 1) + steps)
	if cmp.Weights, err = r.Digest(); err != nil {
		return cmp, err
	}
	cmp.Genlab = Median(ours)
	if peer != nil {
		cmp.Peer = Median(theirs)
	}
	return cmp, nil
}

// Median is the median of v (0 for none).
func Median(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Sorted(slices.Values(v))
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// GeoMean is the geometric mean of positive values: the summary of speed ratios, where
// 2x on one case and 0.5x on another should average to 1.
func GeoMean(v []float64) float64 {
	if len(v) == 0 {
		return 0
	}
	g := 0.0
	for _, x := range v {
		g += math.Log(x)
	}
	return math.Exp(g / float64(len(v)))
}
