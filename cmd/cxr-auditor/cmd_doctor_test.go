package main

import (
	"context"
	"encoding/json"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/cxr-auditor/cxr-auditor/audit"
	"github.com/cxr-auditor/cxr-auditor/ollama/ollamatest"
	"github.com/cxr-auditor/cxr-auditor/prompts"
	"github.com/cxr-auditor/cxr-auditor/session"
	"github.com/cxr-auditor/cxr-auditor/store"
)

// doctorServer is a synthetic Ollama with both default models (or the ones
// given).
func doctorServer(t *testing.T, models ...ollamatest.Model) *ollamatest.Server {
	t.Helper()
	if models == nil {
		models = []ollamatest.Model{
			{Name: prompts.DefaultGroundingModel, Capabilities: []string{"completion", "vision"}},
			{Name: prompts.DefaultDraftModel, Capabilities: []string{"completion", "thinking"}},
		}
	}
	srv := ollamatest.NewServer(models...)
	t.Cleanup(srv.Close)
	return srv
}

func TestDoctorHealthyHost(t *testing.T) {
	srv := doctorServer(t)
	r := invokeMain(t, "", "doctor", "--ollama", srv.URL())
	require.Equal(t, 0, r.code, "stdout: %s\nstderr: %s", r.stdout, r.stderr)
	assert.Contains(t, r.stdout, "✓ Ollama "+ollamatest.Version+" at "+srv.URL())
	assert.Contains(t, r.stdout, "✓ grounding model "+prompts.DefaultGroundingModel+":latest")
	assert.Contains(t, r.stdout, "vision")
	assert.Contains(t, r.stdout, "✓ draft model "+prompts.DefaultDraftModel)
	assert.Contains(t, r.stdout, "thinks before answering")
	assert.Contains(t, r.stdout, "All checks passed.")
	assert.NotContains(t, r.stdout, "✗")
	assert.NotContains(t, r.stdout, "unencrypted", "loopback is not a privacy risk")
	assert.Empty(t, r.stderr)
}

func TestDoctorProblems(t *testing.T) {
	closed := ollamatest.NewServer()
	closedURL := closed.URL()
	closed.Close()
	closedHostPort := strings.TrimPrefix(closedURL, "http://")

	tests := []struct {
		name   string
		models []ollamatest.Model
		args   []string
		want   func(url string) []string
	}{
		{
			name:   "missing grounding model",
			models: []ollamatest.Model{{Name: prompts.DefaultDraftModel, Capabilities: []string{"completion"}}},
			want: func(url string) []string {
				return []string{
					"✗ grounding model " + prompts.DefaultGroundingModel + " is not on",
					"fix: cxr-auditor doctor --modelfile grounding --from <path-to-your-safetensors-folder> > Modelfile.grounding && OLLAMA_HOST=" + url + " ollama create medgemma-cxr-grounding -f Modelfile.grounding\n",
					"1 problem found.",
				}
			},
		},
		{
			name:   "missing default draft model is pulled",
			models: []ollamatest.Model{{Name: prompts.DefaultGroundingModel, Capabilities: []string{"completion", "vision"}}},
			want: func(url string) []string {
				return []string{"✗ draft model " + prompts.DefaultDraftModel + " is not on", "fix: OLLAMA_HOST=" + url + " ollama pull " + prompts.DefaultDraftModel + "\n"}
			},
		},
		{
			name: "custom draft model is created",
			models: []ollamatest.Model{
				{Name: prompts.DefaultGroundingModel, Capabilities: []string{"completion", "vision"}},
			},
			args: []string{"--draft-model", "my-draft"},
			want: func(url string) []string {
				return []string{"fix: cxr-auditor doctor --modelfile draft --from <model-name-or-path> > Modelfile.draft && OLLAMA_HOST=" + url + " ollama create my-draft -f Modelfile.draft\n"}
			},
		},
		{
			name: "grounding model without vision is never created over",
			models: []ollamatest.Model{
				{Name: prompts.DefaultGroundingModel, Capabilities: []string{"completion"}},
				{Name: prompts.DefaultGroundingModel + "-vision", Capabilities: []string{"completion"}},
				{Name: prompts.DefaultDraftModel, Capabilities: []string{"completion"}},
			},
			want: func(url string) []string {
				return []string{
					"cannot see images (no \"vision\" capability",
					"then pass --grounding-model medgemma-cxr-grounding-vision-2",
					"fix: cxr-auditor doctor --modelfile grounding --from <path-to-your-safetensors-folder> > Modelfile.grounding && OLLAMA_HOST=" + url + " ollama create medgemma-cxr-grounding-vision-2 -f Modelfile.grounding\n",
				}
			},
		},
		{
			name: "draft model that cannot chat",
			models: []ollamatest.Model{
				{Name: prompts.DefaultGroundingModel, Capabilities: []string{"completion", "vision"}},
				{Name: "embedder", Capabilities: []string{"embedding"}},
			},
			args: []string{"--draft-model", "embedder"},
			want: func(url string) []string {
				return []string{"cannot chat (no \"completion\" capability)", "fix: OLLAMA_HOST=" + url + " ollama pull nemotron-3-nano:4b\n"}
			},
		},
		{
			name: "unreachable host",
			args: []string{"--ollama", closedURL},
			want: func(string) []string {
				return []string{"✗ cannot reach Ollama at " + closedURL, "is Ollama running?", "fix: OLLAMA_HOST=" + closedHostPort + " ollama serve\n"}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := []string{"doctor"}
			url := ""
			if tt.models != nil {
				srv := doctorServer(t, tt.models...)
				url = srv.URL()
				args = append(args, "--ollama", url)
			}
			args = append(args, tt.args...)
			r := invokeMain(t, "", args...)
			require.Equal(t, 1, r.code, "stdout: %s", r.stdout)
			for _, w := range tt.want(url) {
				assert.Contains(t, r.stdout, w)
			}
			assert.Empty(t, r.stderr, "exit 1 prints nothing more")
		})
	}
}

func TestDoctorDigestsDifferBetweenHosts(t *testing.T) {
	a := doctorServer(t,
		ollamatest.Model{Name: prompts.DefaultGroundingModel, Capabilities: []string{"completion", "vision"}, Digest: strings.Repeat("a", 64)},
		ollamatest.Model{Name: prompts.DefaultDraftModel, Capabilities: []string{"completion"}})
	b := doctorServer(t,
		ollamatest.Model{Name: prompts.DefaultGroundingModel, Capabilities: []string{"completion", "vision"}, Digest: strings.Repeat("b", 64)},
		ollamatest.Model{Name: prompts.DefaultDraftModel, Capabilities: []string{"completion"}})
	r := invokeMain(t, "", "doctor", "--ollama", a.URL(), "--ollama", b.URL())
	require.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "✗ model "+prompts.DefaultGroundingModel+" differs between hosts: aaaaaaaaaaaa on "+a.URL()+"; bbbbbbbbbbbb on "+b.URL())
}

func TestDoctorNumCtxBeyondTraining(t *testing.T) {
	srv := doctorServer(t) // ollamatest models report a 131072-token context
	r := invokeMain(t, "", "doctor", "--ollama", srv.URL(), "--num-ctx", "200000")
	require.Equal(t, 0, r.code, "a warning is not a failure: %s", r.stdout)
	assert.Contains(t, r.stdout, "! --num-ctx 200000 is more than "+prompts.DefaultGroundingModel+" was trained for (131072 tokens); run and review will use 131072")
	assert.NotContains(t, r.stdout, "fix:", "a flag is not a command to paste")
}

func TestDoctorJSON(t *testing.T) {
	srv := doctorServer(t, ollamatest.Model{Name: prompts.DefaultGroundingModel, Capabilities: []string{"completion", "vision"}})
	r := invokeMain(t, "", "doctor", "--json", "--ollama", srv.URL())
	require.Equal(t, 1, r.code)
	var rep session.DoctorReport
	require.NoError(t, json.Unmarshal([]byte(r.stdout), &rep), r.stdout)
	assert.False(t, rep.OK)
	assert.Equal(t, 1, rep.Problems)
	require.Len(t, rep.Checks, 8)
	assert.Equal(t, session.DoctorCheck{Check: "grounding_prompt_source", Target: prompts.SourceEmbedded, Status: session.CheckWarn,
		Message: session.EmbeddedPromptWarning}, rep.Checks[0], "the embedded grounding prompt is a warning, not a problem")
	assert.Equal(t, session.DoctorCheck{Check: "grounding_prompt", Target: prompts.SourceEmbedded, Status: session.CheckOK, Digest: prompts.Grounding().Digest,
		Message: "grounding prompt: embedded, " + prompts.Grounding().Digest}, rep.Checks[1])
	assert.Equal(t, []string{"draft_prompt", "corrective_prompt", "draft_system_prompt"}, []string{rep.Checks[2].Check, rep.Checks[3].Check, rep.Checks[4].Check})
	rep.Checks = rep.Checks[5:]
	assert.Equal(t, session.DoctorCheck{Check: "host", Target: srv.URL(), Status: session.CheckOK, Version: ollamatest.Version,
		Message: "Ollama " + ollamatest.Version + " at " + srv.URL()}, rep.Checks[0])
	assert.Equal(t, "grounding_model", rep.Checks[1].Check)
	assert.Equal(t, session.CheckOK, rep.Checks[1].Status)
	assert.Len(t, rep.Checks[1].Digest, 64)
	assert.Equal(t, []string{"completion", "vision"}, rep.Checks[1].Capabilities)
	assert.Equal(t, "draft_model", rep.Checks[2].Check)
	assert.Equal(t, session.CheckFail, rep.Checks[2].Status)
	assert.Equal(t, "OLLAMA_HOST="+srv.URL()+" ollama pull "+prompts.DefaultDraftModel, rep.Checks[2].Fix)
}

func TestDoctorStore(t *testing.T) {
	srv := doctorServer(t)
	dir := t.TempDir()
	good := filepath.Join(dir, "good.cxr.db")
	s, err := store.Open(context.Background(), good)
	require.NoError(t, err)
	require.NoError(t, s.PutItems(context.Background(), []audit.ItemRecord{{ID: "a", Image: "a.png", Draft: "Synthetic draft."}}))
	require.NoError(t, s.Close())
	junk := filepath.Join(dir, "junk.db")
	require.NoError(t, os.WriteFile(junk, []byte("this is not SQLite"), 0o600))

	tests := []struct {
		name string
		db   string
		code int
		want string
	}{
		{"existing store", good, 0, "✓ store " + good + " opens"},
		{"missing store in a writable directory", filepath.Join(dir, "new.cxr.db"), 0, "does not exist yet; run or review will create it"},
		{"missing directory", filepath.Join(dir, "nope", "x.db"), 1, "cannot be created"},
		{"not a store", junk, 1, "✗ store " + junk},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := invokeMain(t, "", "doctor", "--ollama", srv.URL(), "--db", tt.db)
			require.Equal(t, tt.code, r.code, r.stdout)
			assert.Contains(t, r.stdout, tt.want)
		})
	}
	_, err = os.Stat(filepath.Join(dir, "new.cxr.db"))
	assert.ErrorIs(t, err, os.ErrNotExist, "doctor creates nothing")
}

func TestDoctorPrivacyWarning(t *testing.T) {
	// A non-loopback address of this machine on a closed port: plain http
	// beyond loopback, refused at once.
	ip := nonLoopbackIPv4(t)
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	require.NoError(t, err)
	addr := ln.Addr().String()
	require.NoError(t, ln.Close())
	url := "http://" + addr
	r := invokeMain(t, "", "doctor", "--ollama", url)
	require.Equal(t, 1, r.code, r.stdout)
	assert.Contains(t, r.stdout, "! "+url+" is plain http beyond this machine: images (patient data) would travel unencrypted")
	assert.Contains(t, r.stdout, "fix: ssh -N -L 11434:127.0.0.1:"+strings.Split(addr, ":")[1]+" "+ip+"\n")
	assert.Contains(t, r.stdout, "1 problem found.", "the warning is not counted as a problem; the unreachable host is")
}

func nonLoopbackIPv4(t *testing.T) string {
	t.Helper()
	addrs, err := net.InterfaceAddrs()
	require.NoError(t, err)
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() {
			return n.IP.String()
		}
	}
	t.Skip("no non-loopback IPv4 address on this machine")
	return ""
}

func TestDoctorModelfile(t *testing.T) {
	for _, kind := range []string{prompts.KindGrounding, prompts.KindDraft} {
		r := invokeMain(t, "", "doctor", "--modelfile", kind)
		require.Equal(t, 0, r.code, r.stderr)
		want, err := prompts.Modelfile(kind)
		require.NoError(t, err)
		assert.Equal(t, want, r.stdout)
	}
	r := invokeMain(t, "", "doctor", "--modelfile", "nope")
	assert.Equal(t, 2, r.code)
	assert.Contains(t, r.stderr, "unknown Modelfile kind")
}

func TestOllamaFlagsHosts(t *testing.T) {
	cmd := &cobra.Command{Use: "x"}
	of := addOllamaFlags(cmd)
	require.NoError(t, cmd.Flags().Parse([]string{"--ollama", "127.0.0.1:1111,127.0.0.1:2222", "--ollama", "http://127.0.0.1:1111", "--num-ctx", "4096", "--timeout", "1m"}))
	hosts, err := of.hosts()
	require.NoError(t, err)
	require.Len(t, hosts, 2, "duplicates are dropped")
	assert.Equal(t, "http://127.0.0.1:1111", hosts[0].URL())
	assert.Equal(t, "http://127.0.0.1:2222", hosts[1].URL())
	assert.Equal(t, 4096, hosts[0].Options().NumCtx)
	assert.Equal(t, prompts.DefaultGroundingModel, of.groundingModel)
	assert.Equal(t, prompts.DefaultDraftModel, of.draftModel)

	of.numCtx = 0
	_, err = of.hosts()
	require.ErrorIs(t, err, errUsage)
	of.numCtx, of.urls = 8192, stringList{"ftp://x"}
	_, err = of.hosts()
	require.ErrorIs(t, err, errUsage)
}
