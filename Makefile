# cxr-auditor: research and education only; not a medical device.
GO       ?= go
BIN      := bin/cxr-auditor
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 10s

.PHONY: all build test bench fuzz demo fmt lint update-golden clean

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/cxr-auditor

## test: vet, then every test with the race detector (what CI runs)
test:
	$(GO) vet ./...
	$(GO) test -race -count=1 ./...

## bench: every benchmark, once, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: a short run of every fuzz target (FUZZTIME each)
fuzz:
	@for pkg in $$($(GO) list ./...); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg 2>/dev/null | grep '^Fuzz'); do \
	    echo "fuzz $$pkg $$f"; \
	    $(GO) test -run '^$$' -fuzz "^$$f$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	  done; \
	done

## demo: the workstation on the bundled synthetic demo worklist (no GPU)
demo: build
	./$(BIN) demo

fmt:
	gofmt -w $$(git ls-files '*.go')

lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (gofmt -l $$(git ls-files '*.go'); exit 1)

## update-golden: rewrite the TUI golden files (review the diff!)
update-golden:
	$(GO) test ./tui/... -update

clean:
	rm -rf bin
