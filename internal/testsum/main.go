// Command testsum reads `go test -json` on stdin and prints what `go test` would (each
// package's ok/FAIL line, the output of failed tests, build errors), then one line that
// counts the tests that passed, were skipped and failed, with each skip's reason: a
// green run that skipped tests says so in the log. Lines a test logs with the Measured
// marker (the notebook test's time and peak memory per notebook) are printed as they
// come, so that every run's log keeps them. It exits 1 if any test or package failed.
// scripts/test.sh pipes the tests through it.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
)

// Measured marks a test's log line that testsum prints even when the test passes.
const Measured = "[measured]"

// event is one line of test2json.
type event struct {
	Action  string
	Package string
	Test    string
	Output  string
}

func main() {
	failed, err := summarize(os.Stdin, os.Stdout)
	if err != nil {
		fmt.Fprintln(os.Stderr, "testsum:", err)
		os.Exit(2)
	}
	if failed {
		os.Exit(1)
	}
}

// summarize copies the interesting part of the event stream r to w and reports whether
// anything failed.
func summarize(r io.Reader, w io.Writer) (failed bool, err error) {
	outputs := map[string]*strings.Builder{} // by package + test
	var passed, failures int
	var skipped []string
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 1<<20), 1<<26)
	for sc.Scan() {
		line := sc.Bytes()
		var e event
		if json.Unmarshal(line, &e) != nil {
			fmt.Fprintf(w, "%s\n", line) // not JSON: go vet, build errors before test2json
			continue
		}
		key := e.Package + " " + e.Test
		top := e.Test != "" && !strings.Contains(e.Test, "/")
		switch e.Action {
		case "output", "build-output":
			if e.Test == "" {
				// ok/FAIL lines, package-level output, build errors; not the "PASS" that
				// precedes every "ok" in JSON mode (go test without -v omits it).
				if e.Output != "PASS\n" {
					fmt.Fprint(w, e.Output)
				}
				continue
			}
			if i := strings.Index(e.Output, Measured); i >= 0 {
				fmt.Fprintf(w, "%s: %s", short(e.Package), strings.TrimLeft(e.Output[i+len(Measured):], " "))
			}
			b := outputs[key]
			if b == nil {
				b = &strings.Builder{}
				outputs[key] = b
			}
			b.WriteString(e.Output)
		case "pass":
			if top {
				passed++
			}
			delete(outputs, key)
		case "skip":
			if top {
				skipped = append(skipped, fmt.Sprintf("%s.%s (%s)", short(e.Package), e.Test, reason(outputs[key])))
			}
			delete(outputs, key)
		case "fail", "build-fail":
			failed = true
			if e.Test != "" {
				if top {
					failures++
				}
				if b := outputs[key]; b != nil {
					fmt.Fprint(w, b.String())
				}
				delete(outputs, key)
			}
		}
	}
	if err := sc.Err(); err != nil {
		return true, err
	}
	fmt.Fprintf(w, "tests: %d passed, %d skipped, %d failed\n", passed, len(skipped), failures)
	for _, s := range skipped {
		fmt.Fprintf(w, "  skipped: %s\n", s)
	}
	return failed, nil
}

// short drops the module path from a package path.
func short(pkg string) string {
	if i := strings.Index(pkg, "/genlab/"); i >= 0 {
		return pkg[i+len("/genlab/"):]
	}
	return pkg
}

// reason is the last message a skipped test printed (its t.Skip text).
func reason(b *strings.Builder) string {
	if b == nil {
		return "no reason given"
	}
	var last string
	for _, l := range strings.Split(b.String(), "\n") {
		l = strings.TrimSpace(l)
		if l != "" && !strings.HasPrefix(l, "=== ") && !strings.HasPrefix(l, "--- SKIP") {
			last = l
		}
	}
	return last
}
