// Package session opens and closes what the workstation (review, demo),
// the batch run and the doctor share: the store's location and the checks
// on every path a command writes, the worklist (its bad rows reported
// once), the store, the Ollama hosts and prompts, the scheduler and its
// preflight, and the warnings a session owes its user (plain http to a
// remote host, a store without TLS). Each command in cmd/cxr-auditor reads
// its flags into one of this package's configurations and makes one call.
//
// A Session is opened by Open and closed by Close; Workstation, Run and
// Doctor are the programs built on it. Every message a session prints to
// a terminal goes through internal/termtext (WriteLine), because it quotes
// ids, paths and servers' replies.
package session
