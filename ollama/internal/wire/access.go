package wire

import (
	"net"
	"net/http"
	"net/netip"
	"os"
	"slices"
	"strings"

	"github.com/ollama/ollama/envconfig"
)

// guard makes the two checks Ollama makes before any handler, in its
// order, so that a client meets the same refusals here:
//
//   - CORS: a request whose Origin Ollama does not allow (OLLAMA_ORIGINS
//     and its defaults: localhost, 127.0.0.1 and 0.0.0.0 on any port, app,
//     file, tauri and VS Code webviews, browser extensions) gets HTTP 403
//     with an empty body and no content type; an allowed preflight
//     (OPTIONS) gets 204.
//   - Host: a server listening on loopback, as this one does, refuses a
//     Host header that is neither a local address nor a local name
//     (localhost, this machine's name, *.localhost, *.local, *.internal)
//     with the same empty 403. A client that reaches Ollama through a DNS
//     name (an SSH tunnel to "gpu1", a hosts-file alias) meets it.
//
// loopback says whether the server listens on a loopback address; Ollama
// makes the Host check only then.
func guard(next http.Handler, loopback bool) http.Handler {
	origins := envconfig.AllowedOrigins()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if o := r.Header.Get("Origin"); o != "" {
			if !originAllowed(o, origins) {
				w.WriteHeader(http.StatusForbidden)
				return
			}
			if r.Method == http.MethodOptions {
				w.WriteHeader(http.StatusNoContent)
				return
			}
		}
		if loopback && !hostAllowed(r.Host) {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// browserExtensions are the origin schemes gin-contrib/cors allows with
// AllowBrowserExtensions, as Ollama sets it.
var browserExtensions = []string{"chrome-extension://", "safari-extension://", "moz-extension://", "ms-browser-extension://"}

// originAllowed matches origin against Ollama's allowed origins the way
// gin-contrib/cors does with AllowWildcard: a pattern may hold one "*"
// standing for any text.
func originAllowed(origin string, allowed []string) bool {
	for _, p := range browserExtensions {
		if strings.HasPrefix(origin, p) {
			return true
		}
	}
	for _, a := range allowed {
		if prefix, suffix, wild := strings.Cut(a, "*"); wild {
			if len(origin) >= len(prefix)+len(suffix) && strings.HasPrefix(origin, prefix) && strings.HasSuffix(origin, suffix) {
				return true
			}
		} else if origin == a {
			return true
		}
	}
	return false
}

// hostAllowed is Ollama's allowedHostsMiddleware for a loopback listener.
func hostAllowed(hostport string) bool {
	host, _, err := net.SplitHostPort(hostport)
	if err != nil {
		host = hostport
	}
	if addr, err := netip.ParseAddr(host); err == nil {
		return addr.IsLoopback() || addr.IsPrivate() || addr.IsUnspecified() || isLocalIP(addr)
	}
	host = strings.ToLower(host)
	if host == "" || host == "localhost" {
		return true
	}
	if name, err := os.Hostname(); err == nil && host == strings.ToLower(name) {
		return true
	}
	for _, tld := range []string{"localhost", "local", "internal"} {
		if strings.HasSuffix(host, "."+tld) {
			return true
		}
	}
	return false
}

// isLocalIP reports whether addr is one of this machine's interface
// addresses.
func isLocalIP(addr netip.Addr) bool {
	ifaces, err := net.InterfaceAddrs()
	if err != nil {
		return false
	}
	for _, a := range ifaces {
		if p, err := netip.ParsePrefix(a.String()); err == nil && p.Addr() == addr {
			return true
		}
	}
	return false
}

// endpoints are the paths the server serves; another method on one of
// them is 405, any other path 404.
var endpoints = []string{"/", "/api/version", "/api/tags", "/api/show", "/api/ps", "/api/chat"}

// handleUnrouted answers what no endpoint does as Ollama's router (gin)
// does: "404 page not found" or, for a known path, "405 method not
// allowed", as text/plain without a charset. Endpoints cxr-auditor does not
// use (/api/generate, /api/pull, ...) are not imitated and answer 404.
func handleUnrouted(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/plain")
	if slices.Contains(endpoints, r.URL.Path) {
		w.WriteHeader(http.StatusMethodNotAllowed)
		_, _ = w.Write([]byte("405 method not allowed"))
		return
	}
	w.WriteHeader(http.StatusNotFound)
	_, _ = w.Write([]byte("404 page not found"))
}
