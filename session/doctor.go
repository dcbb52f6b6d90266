package session

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/cxr-auditor/cxr-auditor/internal/termtext"
	"github.com/cxr-auditor/cxr-auditor/ollama"
	"github.com/cxr-auditor/cxr-auditor/prompts"
)

// doctorProbeTimeout bounds each check, so that a host that accepts
// connections but never answers cannot hang the doctor.
const doctorProbeTimeout = 15 * time.Second

// Check statuses.
const (
	CheckOK   = "ok"
	CheckFail = "fail"
	CheckWarn = "warn"
)

// DoctorCheck is one line of the doctor's report.
type DoctorCheck struct {
	// Check names what was checked: "host", "grounding_model",
	// "draft_model", "model_digests", "privacy", "store".
	Check string `json:"check"`
	// Target is the host URL, model name or store path checked.
	Target string `json:"target"`
	Status string `json:"status"` // ok, fail, warn
	// Message says what was found, in words.
	Message string `json:"message"`
	// Fix is the command or step that repairs a failure or a warning.
	Fix string `json:"fix,omitempty"`
	// Digest and Capabilities describe a model that was found.
	Digest       string   `json:"digest,omitempty"`
	Capabilities []string `json:"capabilities,omitempty"`
	Version      string   `json:"version,omitempty"`
}

// DoctorReport is what the doctor's --json prints.
type DoctorReport struct {
	OK       bool          `json:"ok"`
	Problems int           `json:"problems"`
	Checks   []DoctorCheck `json:"checks"`
}

// DoctorConfig is what Doctor checks.
type DoctorConfig struct {
	Hosts                      []*ollama.Host
	GroundingModel, DraftModel string
	// PromptsDir is --prompts ("": the embedded templates);
	// EmbeddedPromptOK silences the warning that the grounding prompt is
	// cxr-auditor's own.
	PromptsDir       string
	EmbeddedPromptOK bool
	// DB is --db; "" means $CXR_AUDITOR_DB, and no store check without
	// either.
	DB string
	// JSON prints the report as JSON instead of a checklist.
	JSON bool
}

// Doctor checks the prompts, every host and both models on it, that each
// model has one digest on every host, and the store, without changing
// anything; it prints the report with a fix for every problem and
// returns ExitError{Code: 1} when anything needs fixing.
func Doctor(ctx context.Context, env Env, cfg DoctorConfig) error {
	checks := checkPrompts(cfg, env.Getenv)
	digests := map[string]map[string]string{} // model -> host -> digest
	for _, h := range cfg.Hosts {
		checks = append(checks, checkHost(ctx, h, cfg, digests)...)
	}
	checks = append(checks, checkDigests(digests)...)
	if db := StoreLocation(cfg.DB, "", env.Getenv); db != "" {
		checks = append(checks, checkStore(ctx, db)...)
	}
	rep := DoctorReport{Checks: checks}
	for _, c := range checks {
		if c.Status == CheckFail {
			rep.Problems++
		}
	}
	rep.OK = rep.Problems == 0
	if cfg.JSON {
		// Versions, digests, capabilities and errors come from the hosts:
		// termtext.JSON keeps them inert on a terminal.
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if _, err := env.Stdout.Write(append(termtext.JSON(b), '\n')); err != nil {
			return err
		}
	} else {
		printDoctor(env.Stdout, rep)
	}
	if !rep.OK {
		return ExitError{Code: 1}
	}
	return nil
}

// Modelfile is the example Modelfile of kind (grounding or draft), its
// FROM line naming from when given (a path checked and made absolute, see
// modelFrom); a bad kind or from is a usage error.
func Modelfile(kind, from string) (string, error) {
	text, err := prompts.Modelfile(kind)
	if err == nil && from != "" {
		if from, err = modelFrom(from); err == nil {
			text, err = prompts.ModelfileFrom(kind, from)
		}
	}
	if err != nil {
		return "", fmt.Errorf("%w: --modelfile: %v", ErrUsage, err)
	}
	return text, nil
}

func shortDigest(d string) string {
	d = strings.TrimPrefix(d, "sha256:")
	if len(d) > 12 {
		return d[:12]
	}
	return d
}

// printDoctor writes the checklist: one ✓, ✗ or ! line per check, each
// failure or warning followed by its fix.
func printDoctor(w io.Writer, rep DoctorReport) {
	for _, c := range rep.Checks {
		mark := "✓"
		switch c.Status {
		case CheckFail:
			mark = "✗"
		case CheckWarn:
			mark = "!"
		}
		// Messages quote what hosts answered: outside text.
		WriteLine(w, "%s %s", mark, c.Message)
		if c.Fix != "" && c.Status != CheckOK {
			WriteLine(w, "    fix: %s", c.Fix)
		}
	}
	switch rep.Problems {
	case 0:
		fmt.Fprintln(w, "All checks passed.")
	case 1:
		fmt.Fprintln(w, "1 problem found.")
	default:
		fmt.Fprintf(w, "%d problems found.\n", rep.Problems)
	}
}
