// Command subjects fails when the subject of a commit made since the base
// commit is longer than the limit (72 characters, counted as characters,
// not bytes): the detail belongs in the body. make lint runs it.
//
// The commits checked are base..HEAD. A clean CI clone may be shallow and
// not hold the base: then every commit it holds is newer than the base and
// all are checked. A full clone without the base is an error (a wrong
// base would check nothing).
//
// Usage:
//
//	go run ./scripts/subjects [-base COMMIT] [-max N]
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"unicode/utf8"
)

// defaultBase is the last commit before make lint checked subjects: those
// up to it are as they were written (two of them are longer).
const defaultBase = "8911dbc"

func main() {
	base := flag.String("base", defaultBase, "check the commits after this one")
	limit := flag.Int("max", 72, "longest subject allowed, in characters")
	flag.Parse()
	rng, err := commitRange(*base)
	if err != nil {
		fmt.Fprintln(os.Stderr, "subjects:", err)
		os.Exit(2)
	}
	out, err := git("log", "--format=%h %s", rng)
	if err != nil {
		fmt.Fprintln(os.Stderr, "subjects:", err)
		os.Exit(2)
	}
	bad := 0
	for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
		hash, subject, _ := strings.Cut(line, " ")
		if n := utf8.RuneCountInString(subject); n > *limit {
			fmt.Printf("%s: subject is %d characters (at most %d): %s\n", hash, n, *limit, subject)
			bad++
		}
	}
	if bad > 0 {
		fmt.Fprintf(os.Stderr, "subjects: %d commit subject(s) too long; put the detail in the body\n", bad)
		os.Exit(1)
	}
}

// commitRange is base..HEAD when base is an ancestor of HEAD, HEAD alone
// (every commit held) in a shallow clone without it.
func commitRange(base string) (string, error) {
	if _, err := git("merge-base", "--is-ancestor", base, "HEAD"); err == nil {
		return base + "..HEAD", nil
	}
	shallow, err := git("rev-parse", "--is-shallow-repository")
	if err != nil {
		return "", err
	}
	if strings.TrimSpace(shallow) == "true" {
		return "HEAD", nil
	}
	return "", fmt.Errorf("base commit %s is not an ancestor of HEAD (pass -base)", base)
}

func git(args ...string) (string, error) {
	var stdout, stderr bytes.Buffer
	cmd := exec.Command("git", args...)
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("git %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}
