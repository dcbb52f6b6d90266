package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/cxr-auditor/cxr-auditor/labeler"
	"github.com/cxr-auditor/cxr-auditor/schema"
	"github.com/cxr-auditor/cxr-auditor/session"
)

const labelDescription = `Read draft impressions with the rule-based labeler: no model, offline,
deterministic. It prints the same JSON as 'parse draft': one
{"label", "status", "span"} per label the draft speaks about, status
present, absent or uncertain, span verbatim from the draft.

  label [FILE|-]          one draft (the whole of FILE, or stdin)
  label --jsonl [FILE|-]  {"id", "draft"} lines in, {"id", "labels"} lines out, in order
  label --eval GOLD       score the rules against gold JSONL (a file, or a folder of
                          *.jsonl): accuracy over (draft, label) cells, and precision,
                          recall and F1 per status, per file and overall

The rules are data (docs/labeler.md): the embedded set, or with --rules DIR
the *.rules files of DIR. --digest prints the rule set's digest, which
provenance records for '--draft-model rules'. The bundled corpus
(testdata/drafts) is synthetic: drafts written for the project.`

const labelExample = `
echo "No pneumothorax. Small left effusion." | cxr-auditor label
cxr-auditor label --eval testdata/drafts --errors`

// labelFlags are the label command's settings.
type labelFlags struct {
	jsonl, errors, digest bool
	eval, rules           string
}

func newLabelCmd(e env) *cobra.Command {
	var f labelFlags
	cmd := &cobra.Command{
		Use:     "label [FILE|-]",
		Short:   "read drafts with the rule-based labeler (no model)",
		Long:    labelDescription,
		Example: labelExample,
		Args:    argsBetween(0, 1, "want at most one FILE or -"),
		RunE: func(_ *cobra.Command, args []string) error {
			return runLabel(e, f, args)
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&f.jsonl, "jsonl", false, `read {"id", "draft"} lines and write {"id", "labels"} lines`)
	fl.StringVar(&f.eval, "eval", "", "score against gold JSONL: a FILE, or a folder of *.jsonl")
	fl.BoolVar(&f.errors, "errors", false, "with --eval: list every cell read differently from the gold")
	fl.StringVar(&f.rules, "rules", "", "read the *.rules files of DIR instead of the embedded rules")
	fl.BoolVar(&f.digest, "digest", false, "print the rule set's digest and exit")
	_ = cmd.RegisterFlagCompletionFunc("eval", completeJSON)
	return cmd
}

// runLabel implements `cxr-auditor label`.
func runLabel(e env, f labelFlags, args []string) error {
	if f.eval != "" && (f.jsonl || len(args) > 0) {
		return fmt.Errorf("%w: --eval reads its own GOLD; give no FILE and no --jsonl", errUsage)
	}
	if f.errors && f.eval == "" {
		return fmt.Errorf("%w: --errors goes with --eval", errUsage)
	}
	rs, err := loadRules(f.rules)
	if err != nil {
		return err
	}
	switch {
	case f.digest:
		writeLine(e.stdout, "%s", rs.Digest())
		return nil
	case f.eval != "":
		return runLabelEval(e, rs, f.eval, f.errors)
	}
	path := "-"
	if len(args) == 1 {
		path = args[0]
	}
	if f.jsonl {
		return labelJSONL(e, rs, path)
	}
	raw, _, err := session.ReadInput(e.session(), path)
	if err != nil {
		return err
	}
	return session.WriteJSON(e.stdout, rs.Label(string(raw)))
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
func labelJSONL(e env, rs *labeler.RuleSet, path string) error {
	in, name, closeIn, err := openInput(e, path)
	if err != nil {
		return err
	}
	defer closeIn()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 0, 64<<10), maxJSONLLine)
	out := bufio.NewWriter(e.stdout)
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
			writeLine(e.stderr, "%s:%d: skipped: %s", name, n, jsonlProblem(err, row.ID))
			continue
		}
		if err := session.WriteJSON(out, struct {
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
func openInput(e env, path string) (io.Reader, string, func(), error) {
	if path == "" || path == "-" {
		return e.stdin, "stdin", func() {}, nil
	}
	if err := session.CheckInput(path); err != nil {
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
