//go:build unix

package realollama

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// HowToRun says how to make the real-server tests run instead of skip.
const HowToRun = "set OLLAMA_BIN to an ollama executable (CI: OLLAMA_BIN=../shared/ollama/ollama make e2e), or put ollama on PATH"

// ErrNoBinary means neither $OLLAMA_BIN nor `ollama` on PATH was found.
var ErrNoBinary = errors.New("no ollama binary: " + HowToRun)

// Binary returns the ollama executable to test against: $OLLAMA_BIN when
// set (an error if it is not an executable file; a relative path is
// relative to the current directory, which `go test` makes the package's,
// so `make e2e` passes it absolute), else `ollama` on PATH, else
// ErrNoBinary.
func Binary() (string, error) {
	if p := os.Getenv("OLLAMA_BIN"); p != "" {
		abs, err := filepath.Abs(p)
		if err != nil {
			return "", fmt.Errorf("OLLAMA_BIN=%s: %w", p, err)
		}
		st, err := os.Stat(abs)
		if err != nil {
			return "", fmt.Errorf("OLLAMA_BIN=%s: %w", p, err)
		}
		if st.IsDir() || st.Mode()&0o111 == 0 {
			return "", fmt.Errorf("OLLAMA_BIN=%s: not an executable file", p)
		}
		return abs, nil
	}
	p, err := exec.LookPath("ollama")
	if err != nil {
		return "", ErrNoBinary
	}
	return p, nil
}

// startTimeout bounds how long a server may take to answer /api/version.
const startTimeout = 60 * time.Second

// stopTimeout is how long Stop waits after SIGTERM before SIGKILL.
const stopTimeout = 15 * time.Second

// Server is one `ollama serve` process started by Start: on a loopback
// port, with its own model store and home directory in a temporary
// directory, in its own process group (so that killing it also ends the
// model runners it started).
type Server struct {
	bin    string
	dir    string // home and, unless shared, models
	models string // OLLAMA_MODELS
	addr   string
	cmd    *exec.Cmd
	log    *syncBuffer

	done    chan struct{} // closed when the process has exited
	waitErr error
	stopped sync.Once
}

// Option changes how Start starts a server.
type Option func(*Server)

// SharingModels makes the server use other's model store, as hosts that
// share one (over NFS, say) do: the models other has, this one has, with
// the same digests. (A model created on two servers with different stores
// gets two digests: Ollama writes the blob's local path into the
// manifest.)
func SharingModels(other *Server) Option {
	return func(s *Server) { s.models = other.models }
}

// Start starts `ollama serve` from Binary and waits until it answers. It
// skips t (with HowToRun) when there is no binary, and fails t when the
// server does not come up. The server is stopped when t ends; its log is
// printed if t failed.
func Start(t testing.TB, opts ...Option) *Server {
	t.Helper()
	bin, err := Binary()
	if errors.Is(err, ErrNoBinary) {
		t.Skip(err)
	}
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	var s *Server
	// The port is chosen by binding :0 and releasing it, so another
	// process may take it first; another port makes that unlikely to
	// matter.
	for range 3 {
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		s = &Server{bin: bin, dir: dir, models: filepath.Join(dir, "models"), addr: fmt.Sprintf("127.0.0.1:%d", port)}
		for _, o := range opts {
			o(s)
		}
		if err = s.run(); err == nil {
			break
		}
		s.Kill()
		s = nil
		t.Log(err)
	}
	if s == nil {
		t.Fatalf("realollama: ollama serve did not start (%s)", bin)
	}
	t.Cleanup(func() {
		s.Stop()
		if t.Failed() {
			t.Logf("ollama serve at %s, log tail:\n%s", s.addr, tail(s.Log(), 60))
		}
	})
	return s
}

// Restart starts the server again on the same address and model store
// after Kill or Stop, as a host that comes back, and waits until it
// answers. The log goes on in the same buffer.
func (s *Server) Restart(t testing.TB) {
	t.Helper()
	s.Stop()
	s.stopped = sync.Once{}
	if err := s.run(); err != nil {
		t.Fatal(err)
	}
}

func freePort() (int, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("realollama: finding a free port: %w", err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port, nil
}

// run starts the process and waits until it answers.
func (s *Server) run() error {
	if s.log == nil {
		s.log = &syncBuffer{}
	}
	done := make(chan struct{})
	s.done = done
	if err := os.MkdirAll(s.models, 0o755); err != nil {
		return fmt.Errorf("realollama: %w", err)
	}
	cmd := exec.Command(s.bin, "serve")
	cmd.Env = append(s.env(), "OLLAMA_MODELS="+s.models)
	cmd.Stdout = s.log
	cmd.Stderr = s.log
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("realollama: starting %s serve: %w", s.bin, err)
	}
	s.cmd = cmd
	go func() {
		s.waitErr = cmd.Wait()
		close(done)
	}()
	deadline := time.Now().Add(startTimeout)
	client := &http.Client{Timeout: 2 * time.Second}
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("realollama: ollama serve on %s exited: %v\n%s", s.addr, s.waitErr, tail(s.Log(), 30))
		case <-time.After(50 * time.Millisecond):
		}
		resp, err := client.Get(s.URL() + "/api/version")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("realollama: ollama serve on %s did not answer within %v\n%s", s.addr, startTimeout, tail(s.Log(), 30))
}

// env is the environment of the server and of the ollama CLI run against
// it: the variables of this process that are not Ollama's or HOME, then
// OLLAMA_HOST and a HOME of its own (the server writes its key there).
func (s *Server) env() []string {
	var env []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "OLLAMA_") || strings.HasPrefix(kv, "HOME=") {
			continue
		}
		env = append(env, kv)
	}
	return append(env, "OLLAMA_HOST="+s.addr, "HOME="+filepath.Join(s.dir, "home"))
}

// URL is the server's base URL, such as "http://127.0.0.1:40123".
func (s *Server) URL() string { return "http://" + s.addr }

// Addr is the server's address in OLLAMA_HOST form, "127.0.0.1:40123".
func (s *Server) Addr() string { return s.addr }

// PID is the process id of `ollama serve` (also its process group id).
func (s *Server) PID() int { return s.cmd.Process.Pid }

// Log returns what the server has written to stdout and stderr so far.
func (s *Server) Log() string { return s.log.String() }

// ginLine matches one request line of the server's log:
// [GIN] 2026/11/27 - 10:18:24 | 200 |  496.673117ms |       127.0.0.1 | POST     "/api/chat"
var ginLine = regexp.MustCompile(`(?m)^\[GIN\] .*\|\s+(\d{3}) \|.*\|\s+(GET|POST|HEAD|DELETE|PUT)\s+"([^"]+)"`)

// Requests counts the requests the server has logged as finished for
// method and path (say "POST", "/api/chat"), whatever their status.
// Ollama logs a request when it ends, so a stream still running is not
// counted yet.
func (s *Server) Requests(method, path string) int {
	n := 0
	for _, m := range ginLine.FindAllStringSubmatch(s.Log(), -1) {
		if m[2] == method && m[3] == path {
			n++
		}
	}
	return n
}

// Digest returns model's digest as the server lists it (GET /api/tags),
// matching names as Ollama does (an implicit ":latest", any case).
func (s *Server) Digest(model string) (string, error) {
	resp, err := http.Get(s.URL() + "/api/tags")
	if err != nil {
		return "", fmt.Errorf("realollama: %w", err)
	}
	defer resp.Body.Close()
	var tags struct {
		Models []struct {
			Name   string `json:"name"`
			Digest string `json:"digest"`
		} `json:"models"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&tags); err != nil {
		return "", fmt.Errorf("realollama: /api/tags: %w", err)
	}
	if !strings.Contains(model, ":") {
		model += ":latest"
	}
	for _, m := range tags.Models {
		if strings.EqualFold(m.Name, model) {
			return m.Digest, nil
		}
	}
	return "", fmt.Errorf("realollama: %s is not on %s", model, s.URL())
}

// Version returns what the server says on GET /api/version.
func (s *Server) Version() (string, error) {
	resp, err := http.Get(s.URL() + "/api/version")
	if err != nil {
		return "", fmt.Errorf("realollama: %w", err)
	}
	defer resp.Body.Close()
	var v struct {
		Version string `json:"version"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&v); err != nil {
		return "", fmt.Errorf("realollama: /api/version: %w", err)
	}
	return v.Version, nil
}

// Create runs `ollama create name -f modelfile` against the server, as a
// user would, and fails t with the CLI's output if it fails.
func (s *Server) Create(t testing.TB, name, modelfile string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, s.bin, "create", name, "-f", modelfile)
	cmd.Env = s.env()
	cmd.Dir = filepath.Dir(modelfile)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("ollama create %s -f %s: %v\n%s", name, modelfile, err, out)
	}
}

// Stop ends the server: SIGTERM to `ollama serve` (which stops its
// runners), SIGKILL to its process group if it has not exited after
// stopTimeout, and it waits for the exit. Safe to call more than once and
// after Kill.
func (s *Server) Stop() {
	s.stopped.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		_ = syscall.Kill(s.PID(), syscall.SIGTERM)
		select {
		case <-s.done:
		case <-time.After(stopTimeout):
		}
		// Runners the server did not stop, or the server itself.
		_ = syscall.Kill(-s.PID(), syscall.SIGKILL)
		<-s.done
	})
}

// Kill ends the server at once, runners included (SIGKILL to its process
// group), as a host that crashes or loses power, and waits for the exit.
func (s *Server) Kill() {
	s.stopped.Do(func() {
		if s.cmd == nil || s.cmd.Process == nil {
			return
		}
		_ = syscall.Kill(-s.PID(), syscall.SIGKILL)
		<-s.done
	})
}

// syncBuffer is a bytes.Buffer safe for the process's writes and the
// test's reads.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail returns the last n lines of s.
func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}
