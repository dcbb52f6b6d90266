package session

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/cxr-auditor/cxr-auditor/labeler"
	"github.com/cxr-auditor/cxr-auditor/schema"
)

// LabelConfig is what Label reads and how; the label command fills it
// from its flags.
type LabelConfig struct {
	// Path is the draft, or with JSONL {"id", "draft"} lines ("-": stdin).
	Path  string
	JSONL bool
	// Eval scores the rules against gold JSONL (a file or a folder of
	// *.jsonl); Errors lists every cell read differently.
	Eval   string
	Errors bool
	// Rules is a folder of *.rules files ("": the embedded rules); Digest
	// prints the rule set's digest only.
	Rules  string
	Digest bool
}

// Label reads drafts with the rule-based labeler and writes their labels
// as JSON, scores the rules against gold (Eval), or prints their digest.
func Label(env Env, f LabelConfig) error {
	if f.Eval != "" && (f.JSONL || f.Path != "") {
		return fmt.Errorf("%w: --eval reads its own GOLD; give no FILE and no --jsonl", ErrUsage)
	}
	if f.Errors && f.Eval == "" {
		return fmt.Errorf("%w: --errors goes with --eval", ErrUsage)
	}
	rs, err := loadRules(f.Rules)
	if err != nil {
		return err
	}
	switch {
	case f.Digest:
		WriteLine(env.Stdout, "%s", rs.Digest())
		return nil
	case f.Eval != "":
		return scoreGold(env, rs, f.Eval, f.Errors)
	}
	path := f.Path
	if path == "" {
		path = "-"
	}
	if f.JSONL {
		return labelJSONL(env, rs, path)
	}
	raw, _, err := ReadInput(env, path)
	if err != nil {
		return err
	}
	return WriteJSON(env.Stdout, rs.Label(string(raw)))
}

// loadRules returns the embedded rules, or those of dir.
func loadRules(dir string) (*labeler.RuleSet, error) {
	if dir == "" {
		rs, err := labeler.Default()
		if err != nil {
			return nil, fmt.Errorf("embedded rules: %w", err)
		}
		return rs, nil
	}
	rs, err := labeler.Load(os.DirFS(dir), ".")
	if err != nil {
		return nil, fmt.Errorf("%s: %w", dir, err)
	}
	return rs, nil
}

// maxJSONLLine bounds one input line of --jsonl.
const maxJSONLLine = 4 << 20

// labelJSONL reads {"id", "draft"} lines and writes {"id", "labels"} lines
// in order. A bad line is reported (file:line) and skipped; the others are
// still labelled, and the command then fails.
func labelJSONL(env Env, rs *labeler.RuleSet, path string) error {
	in, name, closeIn, err := openInput(env, path)
	if err != nil {
		return err
	}
	defer closeIn()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), maxJSONLLine)
	out := bufio.NewWriter(env.Stdout)
	bad := 0
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var row struct {
			ID    string  `json:"id"`
			Draft *string `json:"draft"`
		}
		if err := json.Unmarshal([]byte(line), &row); err != nil || row.ID == "" || row.Draft == nil {
			bad++
			WriteLine(env.Stderr, "%s:%d: skipped: %s", name, n, jsonlProblem(err, row.ID))
			continue
		}
		if err := WriteJSON(out, struct {
			ID     string              `json:"id"`
			Labels []schema.DraftLabel `json:"labels"`
		}{row.ID, rs.Label(*row.Draft)}); err != nil {
			return err
		}
	}
	if err := out.Flush(); err != nil {
		return fmt.Errorf("write output: %w", err)
	}
	if err := sc.Err(); err != nil {
		return fmt.Errorf("%s: %w", name, err)
	}
	if bad > 0 {
		return fmt.Errorf("%s: %d line(s) skipped", name, bad)
	}
	return nil
}

// jsonlProblem says why a --jsonl line was not usable.
func jsonlProblem(err error, id string) string {
	switch {
	case err != nil:
		return "not a JSON object: " + err.Error()
	case id == "":
		return `no "id"`
	}
	return `no "draft" string`
}

// openInput opens path for streaming, or stdin for "-"; the caller calls
// the returned close function.
func openInput(env Env, path string) (io.Reader, string, func(), error) {
	if path == "" || path == "-" {
		return env.Stdin, "stdin", func() {}, nil
	}
	if err := CheckInput(path); err != nil {
		return nil, path, nil, err
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, path, nil, fmt.Errorf("read input: %w", err)
	}
	return fh, path, func() { _ = fh.Close() }, nil
}

// errNoGold is returned when an --eval folder holds no *.jsonl file.
var errNoGold = errors.New("no *.jsonl gold file")
