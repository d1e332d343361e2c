package main

import (
	"strings"
	"testing"
)

func TestSummarize(t *testing.T) {
	in := `{"Action":"run","Package":"m/genlab/fit","Test":"TestA"}
{"Action":"output","Package":"m/genlab/fit","Test":"TestA","Output":"    a_test.go:5: [measured] 05_dcgan: 12 figures, 1m2s, peak memory 900 MiB\n"}
{"Action":"pass","Package":"m/genlab/fit","Test":"TestA"}
{"Action":"run","Package":"m/genlab/fit","Test":"TestB"}
{"Action":"output","Package":"m/genlab/fit","Test":"TestB","Output":"    b_test.go:3: dataset mnist not found\n"}
{"Action":"skip","Package":"m/genlab/fit","Test":"TestB"}
{"Action":"output","Package":"m/genlab/fit","Test":"TestC","Output":"    c_test.go:9: wrong answer\n"}
{"Action":"fail","Package":"m/genlab/fit","Test":"TestC/sub"}
{"Action":"fail","Package":"m/genlab/fit","Test":"TestC"}
{"Action":"output","Package":"m/genlab/fit","Output":"FAIL\tm/genlab/fit\t0.1s\n"}
{"Action":"fail","Package":"m/genlab/fit"}
`
	var out strings.Builder
	failed, err := summarize(strings.NewReader(in), &out)
	if err != nil || !failed {
		t.Fatalf("failed %v, err %v", failed, err)
	}
	for _, want := range []string{"wrong answer", "FAIL\tm/genlab/fit", "tests: 1 passed, 1 skipped, 1 failed",
		"skipped: fit.TestB (b_test.go:3: dataset mnist not found)", "fit: 05_dcgan: 12 figures, 1m2s, peak memory 900 MiB\n"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if failed, _ := summarize(strings.NewReader(`{"Action":"pass","Package":"p","Test":"TestA"}`+"\n"), &out); failed {
		t.Error("a passing run reported failure")
	}
}
