// Command genphantoms writes the synthetic chest phantoms (not patient data)
// and their truth.jsonl into a directory. It is run by `go generate
// ./render/phantom`:
//
//	go run ./render/phantom/genphantoms -out testdata/phantoms
package main

import (
	"flag"
	"fmt"
	"log"
	"os"

	"github.com/cxr-auditor/cxr-auditor/render/phantom"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("genphantoms: ")
	out := flag.String("out", "testdata/phantoms", "output directory")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: genphantoms [-out DIR]\n\nWrites synthetic chest phantoms (not patient data) and truth.jsonl.\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if err := phantom.WriteAll(*out); err != nil {
		log.Fatal(err)
	}
}
