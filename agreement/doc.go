// Package agreement measures how far readers agree when several of them
// adjudicate the same disagreements: raw agreement, Cohen's and Fleiss'
// kappa with confidence intervals, and the confusion table of every pair of
// readers, overall, per label and per disagreement kind. It reads the
// reviewers' verdicts (audit.Verdict) through FromVerdicts and writes its
// Report as text, CSV or JSON. docs/metrics.md ("Reader agreement") states
// every rule.
package agreement
