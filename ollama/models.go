package ollama

import (
	"context"
	"fmt"
	"strings"
)

// Models returns the names of the models the host has (GET /api/tags), as
// the host lists them ("name:tag"), in one attempt without retries: shell
// completion and doctor ask it, and neither should wait on a host that is
// down.
func (h *Host) Models(ctx context.Context) ([]string, error) {
	var names []string
	err := h.metaOnce(ctx, "/api/tags", func(ctx context.Context) (bool, error) {
		tags, err := h.client.List(ctx)
		if err != nil {
			return false, err
		}
		names = names[:0]
		for _, m := range tags.Models {
			names = append(names, m.Name)
		}
		return true, nil
	})
	if err != nil {
		return nil, fmt.Errorf("%s: list models: %w", h.URL(), err)
	}
	return names, nil
}

// HasModel reports whether names (from Models) holds model, with Ollama's
// implicit ":latest" tag and without regard to case, as the server matches
// names.
func HasModel(names []string, model string) bool {
	want := fullModelName(model)
	for _, n := range names {
		if strings.EqualFold(fullModelName(n), want) {
			return true
		}
	}
	return false
}

// FreeModelName returns base, or base-2, base-3, ...: the first name that
// is not among names (with Ollama's implicit ":latest" and without regard
// to case, as HasModel), so that "ollama create" never replaces a model the
// host has.
func FreeModelName(base string, names []string) string {
	name := base
	for i := 2; HasModel(names, name); i++ {
		name = fmt.Sprintf("%s-%d", base, i)
	}
	return name
}
