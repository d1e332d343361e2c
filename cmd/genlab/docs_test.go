package main

import (
	"context"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/genlab-go/genlab/internal/testenv"
)

// docCommands are the genlab command lines quoted in a markdown file: the indented
// code lines and the inline code spans that start with genlab or bin/genlab, without
// their shell comments and environment prefixes. Spans with placeholders (NAME, DIR,
// [optional parts], a|b choices) are skipped: they are forms, not commands.
func docCommands(t *testing.T, path string) []string {
	t.Helper()
	raw, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var cmds []string
	add := func(s string) {
		if i := strings.Index(s, " #"); i >= 0 {
			s = s[:i]
		}
		s = strings.TrimSpace(s)
		for strings.Contains(strings.SplitN(s, " ", 2)[0], "=") { // VAR=VALUE prefixes
			_, s, _ = strings.Cut(s, " ")
		}
		if strings.HasPrefix(s, "bin/genlab ") || strings.HasPrefix(s, "genlab ") {
			cmds = append(cmds, s)
		}
	}
	for _, line := range strings.Split(string(raw), "\n") {
		if strings.HasPrefix(line, "    ") {
			add(line)
		}
		for _, m := range inlineCode.FindAllStringSubmatch(line, -1) {
			if !placeholder.MatchString(m[1]) {
				add(m[1])
			}
		}
	}
	return cmds
}

var (
	inlineCode  = regexp.MustCompile("`([^`]+)`")
	placeholder = regexp.MustCompile(`\[|\||\.\.\.|\b[A-Z][A-Z_]+\b`)
)

// shellWords splits a command line as the shell would for these simple cases: words,
// and double-quoted strings kept whole.
func shellWords(s string) []string {
	var words []string
	var cur strings.Builder
	quoted, in := false, false
	for _, r := range s {
		switch {
		case r == '"':
			quoted, in = !quoted, true
		case r == ' ' && !quoted:
			if in {
				words = append(words, cur.String())
				cur.Reset()
				in = false
			}
		default:
			cur.WriteRune(r)
			in = true
		}
	}
	if in {
		words = append(words, cur.String())
	}
	return words
}

// TestDocsCommandsParse: every genlab command the README and docs/CLI.md quote parses:
// its subcommand, model and flags exist (each is run with -h appended, which stops the
// command after its flags are read).
func TestDocsCommandsParse(t *testing.T) {
	root := testenv.Root(t)
	// -h prints each command's usage to stderr: hundreds of lines nobody reads here.
	devnull, err := os.OpenFile(os.DevNull, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	stderr := os.Stderr
	os.Stderr = devnull
	defer func() { os.Stderr = stderr; devnull.Close() }()
	n := 0
	for _, doc := range []string{"README.md", filepath.Join("docs", "CLI.md")} {
		for _, line := range docCommands(t, filepath.Join(root, doc)) {
			args := shellWords(line)[1:]
			if len(args) == 1 && (args[0] == "train" || args[0] == "course") {
				continue // the name of a verb in a sentence, not a command
			}
			if err := run(context.Background(), append(args, "-h"), io.Discard); err != nil && !strings.Contains(err.Error(), "help requested") {
				t.Errorf("%s: %q does not parse: %v", doc, line, err)
			}
			n++
		}
	}
	if n < 20 {
		t.Errorf("only %d commands found in the docs", n)
	}
	t.Logf("%d commands parse", n)
}

// TestDocsLinksAndCourseMap: every relative link and image in README.md and docs/ names a
// file that exists, and the README's course map names every notebook.
func TestDocsLinksAndCourseMap(t *testing.T) {
	root := testenv.Root(t)
	docs, err := filepath.Glob(filepath.Join(root, "docs", "*.md"))
	if err != nil {
		t.Fatal(err)
	}
	docs = append(docs, filepath.Join(root, "README.md"), filepath.Join(root, "course", "runs", "README.md"))
	link := regexp.MustCompile(`\]\(([^)#\s]+)(#[^)]*)?\)`)
	for _, doc := range docs {
		raw, err := os.ReadFile(doc)
		if err != nil {
			t.Fatal(err)
		}
		text := inlineCode.ReplaceAllString(string(raw), "``") // code is not a link
		for _, m := range link.FindAllStringSubmatch(text, -1) {
			target := m[1]
			if strings.Contains(target, "://") || strings.HasPrefix(target, "mailto:") {
				continue
			}
			if _, err := os.Stat(filepath.Join(filepath.Dir(doc), target)); err != nil {
				rel, _ := filepath.Rel(root, doc)
				t.Errorf("%s links to %s, which does not exist", rel, target)
			}
		}
	}
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	nbs, _ := filepath.Glob(filepath.Join(root, "notebooks", "*.ipynb"))
	for _, nb := range nbs {
		if name := filepath.Base(nb); !strings.Contains(string(readme), "](notebooks/"+name+")") {
			t.Errorf("the README's course map does not name %s", name)
		}
	}
	if len(nbs) < 14 {
		t.Errorf("%d notebooks found", len(nbs))
	}
}
