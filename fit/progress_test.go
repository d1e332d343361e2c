package fit

import "testing"

func TestStepCount(t *testing.T) {
	for n, want := range map[int]string{0: "0 steps", 1: "1 step", 2: "2 steps", 1200: "1200 steps"} {
		if got := StepCount(n); got != want {
			t.Errorf("StepCount(%d) = %q, want %q", n, got, want)
		}
	}
}
