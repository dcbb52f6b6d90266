// Command gendemo writes the bundled demo (testdata/demo): extra synthetic
// phantoms, the worklist with hand-written drafts, and the hand-written
// "recorded" model outputs. Nothing in it comes from a patient or a model.
// It is run by `go generate ./ollama/replay`:
//
//	go run ./ollama/replay/cmd/gendemo -out testdata/demo
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/cxr-auditor/cxr-auditor/ollama/replay/internal/demodata"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("gendemo: ")
	out := flag.String("out", "testdata/demo", "demo directory (the shared phantoms must be in DIR/../phantoms)")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: gendemo [-out DIR]\n\nWrites the synthetic demo worklist, its extra phantoms and its hand-written recorded outputs.\n\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := demodata.Write(context.Background(), *out); err != nil {
		log.Fatal(err)
	}
}
