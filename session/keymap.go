package session

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/term"

	"github.com/cxr-auditor/cxr-auditor/internal/safefile"
	"github.com/cxr-auditor/cxr-auditor/tui"
)

// keyFileNames are the reader's key map files looked for in
// $XDG_CONFIG_HOME/cxr-auditor (else ~/.config/cxr-auditor), in order.
var keyFileNames = []string{"keys.yaml", "keys.yml"}

// KeyMapFor returns the workstation's key map: the built-in profile keys
// names ("" for the default) or, when keys is a path to a file, that
// file; then the reader's own key file on top, when there is one. A bad
// profile or file is a usage error naming the file and line.
func KeyMapFor(env Env, keys string) (tui.KeyMap, error) {
	km := tui.DefaultKeyMap()
	if keys != "" && !strings.ContainsAny(keys, `/\.`) {
		p, err := tui.KeyProfile(keys)
		if err != nil {
			return km, fmt.Errorf("%w: --keys: %v", ErrUsage, err)
		}
		km = p
	} else if keys != "" {
		km, _, err := readKeyFile(keys, km, true)
		return km, err
	}
	dir := configDir(env)
	if dir == "" {
		return km, nil
	}
	for _, name := range keyFileNames {
		if got, found, err := readKeyFile(filepath.Join(dir, name), km, false); found || err != nil {
			return got, err
		}
	}
	return km, nil
}

// readKeyFile applies the key file at path on base. A missing file is an
// error only when it was asked for (must); otherwise found is false.
func readKeyFile(path string, base tui.KeyMap, must bool) (km tui.KeyMap, found bool, err error) {
	if _, err := safefile.Regular(path); err != nil {
		if errors.Is(err, fs.ErrNotExist) && !must {
			return base, false, nil
		}
		return base, false, fmt.Errorf("%w: key map %s: %v", ErrUsage, path, err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return base, true, fmt.Errorf("%w: key map %s: %v", ErrUsage, path, err)
	}
	km, err = tui.ParseKeyFile(path, data, base)
	if err != nil {
		return base, true, fmt.Errorf("%w: %v", ErrUsage, err)
	}
	return km, true, nil
}

// configDir is $XDG_CONFIG_HOME/cxr-auditor, else ~/.config/cxr-auditor;
// "" when neither is set.
func configDir(env Env) string {
	if p := prefsPath(env); p != "" {
		return filepath.Dir(p)
	}
	return ""
}

// needTerminal refuses to start the workstation when its keys would come
// from a pipe, a file or /dev/null: Bubble Tea fails on /dev/null, and on
// a pipe writes escapes and waits for ever.
func needTerminal(env Env, command string) error {
	f, ok := env.Stdin.(*os.File)
	if !ok || term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return fmt.Errorf("%w: %s needs a terminal: its keys are read from stdin, and stdin is not a terminal "+
		"(a pipe, a file or /dev/null); run it in a terminal (over SSH: ssh -t), or use `cxr-auditor run` for batch work",
		ErrUsage, command)
}
