# cxr-auditor: research and education only; not a medical device.
GO       ?= go
BIN      := bin/cxr-auditor
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -X main.version=$(VERSION)
FUZZTIME ?= 10s
STATICCHECK_VERSION := v0.8.2
STATICCHECK ?= $(shell $(GO) env GOPATH)/bin/staticcheck

.PHONY: all build test hostile e2e bench bench-compare term-matrix fuzz demo fmt lint update-golden clean print-staticcheck-version

all: build

build:
	$(GO) build -ldflags "$(LDFLAGS)" -o $(BIN) ./cmd/cxr-auditor

## test: vet, then every test with the race detector (what CI runs). The
## PostgreSQL cases (the store suite, shared runs with three workers, the
## two-reader study) run when CXR_TEST_POSTGRES names a server.
test:
	$(GO) vet ./...
	@test -n "$$CXR_TEST_POSTGRES" || echo 'note: the PostgreSQL cases (store suite, three-worker shared run, two-reader study) will skip; run them with: eval "$$(.ci/postgres.sh start /tmp/cxr-pg)" && make test'
	$(GO) test -race -count=1 ./...

## hostile: the hostile-input suite (docs/hostile.md): Ollama replies from
## a real HTTP server on loopback, DICOMs, images, worklists, a closed
## stdout; every test whose name has Hostile, plus the older bad-input
## tables it builds on
HOSTILE_RUN = Hostile|TestDecodeDICOMErrors|TestDecodeErrorsNameTheFile|TestDamagedJPEG|TestReplyFailuresSayWhy|TestReplyOverTheLimit|TestHTTPErrorWithEmptyBody|TestStageFaults|TestStallTimesOut|TestLoadWorklist$$
hostile:
	$(GO) test -count=1 -run '$(HOSTILE_RUN)' ./radiograph/ ./ollama/ ./pipeline/ ./worklist/ ./session/ ./report/ ./tui/ ./cmd/cxr-auditor/

## e2e: the workstation against a real `ollama serve` with tiny models
## (OLLAMA_BIN, relative to this directory, else ollama on PATH; the tests
## skip, saying so, without either)
e2e:
	OLLAMA_BIN="$(if $(OLLAMA_BIN),$(abspath $(OLLAMA_BIN)))" $(GO) test -tags e2e -count=1 -timeout 20m -v ./internal/e2e/... ./ollama/ollamatest/

## bench: every benchmark, once, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## bench-compare: whole-process figures as ratios (takes several minutes):
## render against chafa and img2sixel (interleaved paired runs; ROUNDS per
## case), then the built binary against fakeollama (a development command
## serving the fake Ollama): the scheduler against its bound (64 items at
## 400/200 ms, 1 and 2 hosts) and run/export at BENCH_ROWS rows against
## their targets (pipeline/cmd/benchrun; medians of SCHED_ROUNDS and
## RUN_ROUNDS runs; run with its default flags against the fake at its
## default capacity, or with RUN_JOBS=N --jobs N against a fake serving N
## at once), then eval with 2,000 bootstrap resamples on one core at
## EVAL_ROWS rows against its targets (compare/cmd/evalbench), then
## review's first frame in a pty at each of REVIEW_ROWS rows (benchrun
## -mode review, medians of REVIEW_ROUNDS) and the demo's (-mode demo),
## then agreement at 1M verdicts and one metrics-pane update at 100k items
## (Go benchmarks, against 5 s and 200 ms; scripts/benchratio.awk).
## Figures: docs/performance.md
ROUNDS ?= 15
BENCH_ROWS ?= 100000
SCHED_ROUNDS ?= 3
RUN_ROUNDS ?= 1
RUN_JOBS ?= 0
EVAL_ROWS ?= 100000,1000000
EVAL_ROUNDS ?= 1
REVIEW_ROWS ?= 100000 1000000
REVIEW_ROUNDS ?= 3
bench-compare: build
	@dir=$$(mktemp -d) && $(GO) run ./radiograph/phantom/genphantoms -bench -out $$dir && \
	  python3 render/bench/compare.py ./$(BIN) $$dir $(ROUNDS); rc=$$?; rm -rf $$dir; exit $$rc
	$(GO) build -o bin/fakeollama ./ollama/ollamatest/cmd/fakeollama
	$(GO) build -o bin/benchrun ./pipeline/cmd/benchrun
	./bin/benchrun -bin $(BIN) -fake bin/fakeollama -mode sched -hosts 1,2 -rounds $(SCHED_ROUNDS)
	./bin/benchrun -bin $(BIN) -fake bin/fakeollama -mode run -rows $(BENCH_ROWS) -jobs $(RUN_JOBS) -rounds $(RUN_ROUNDS)
	$(GO) run ./compare/cmd/evalbench -bin $(BIN) -rows $(EVAL_ROWS) -rounds $(EVAL_ROUNDS)
	for n in $(REVIEW_ROWS); do ./bin/benchrun -bin $(BIN) -fake bin/fakeollama -mode review -rows $$n -rounds $(REVIEW_ROUNDS) || exit 1; done
	./bin/benchrun -bin $(BIN) -fake bin/fakeollama -mode demo -rounds $(REVIEW_ROUNDS)
	$(GO) test ./agreement -run '^$$' -bench 'Agreement/.*/1M' -benchtime 3x | \
	  awk -v what="agreement at 1M verdicts" -v target=5 -f scripts/benchratio.awk
	$(GO) test ./tui -run '^$$' -bench 'MetricsPane100k/result' -benchtime 5x | \
	  awk -v what="metrics pane, one update at 100k items" -v target=0.2 -f scripts/benchratio.awk

## term-matrix: screenshots of the demo in xterm (sixel), kitty 0.26 (kitty
## graphics, no placeholders), mlterm (sixel, light background), tmux
## (half-blocks) and --graphics text, as PNGs in TERM_MATRIX_DIR; look at
## each (README, "Terminals tested"). TERM_SHOT is the shared term-shot tool.
TERM_SHOT ?= $(abspath ../shared/tools/term-shot)
TERM_MATRIX_DIR ?= term-matrix
term-matrix: build
	@bash scripts/term-matrix.sh "$(TERM_SHOT)" ./$(BIN) "$(TERM_MATRIX_DIR)"

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
	./$(BIN) demo $(DEMO_ARGS)

fmt:
	gofmt -w $$(git ls-files '*.go')

## lint: go vet, the gofmt check, staticcheck, the size limits (no
## non-test file over 450 lines, no function over 80 but the data tables
## scripts/sizecheck names) and the subjects of the commits since
## SUBJECT_BASE (at most 72 characters; a shallow clone without the base
## checks every commit it holds). Every finding fails it.
SUBJECT_BASE ?= 8911dbc
lint:
	$(GO) vet ./...
	@test -z "$$(gofmt -l $$(git ls-files '*.go'))" || (echo "gofmt: these files need 'make fmt':"; gofmt -l $$(git ls-files '*.go'); exit 1)
	@test -x "$(STATICCHECK)" || (echo "lint: staticcheck not found at $(STATICCHECK); install it with:"; \
	  echo "  $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)"; exit 1)
	$(STATICCHECK) ./...
	$(GO) run ./scripts/sizecheck
	$(GO) run ./scripts/subjects -base $(SUBJECT_BASE)

## update-golden: rewrite the golden files (TUI, agreement and eval text,
## imported prompts; review the diff!)
update-golden:
	$(GO) test ./tui/... ./agreement/... ./compare/... ./prompts -update

clean:
	rm -rf bin

# print-staticcheck-version: the pinned staticcheck version (.ci/run installs it).
print-staticcheck-version:
	@echo $(STATICCHECK_VERSION)
