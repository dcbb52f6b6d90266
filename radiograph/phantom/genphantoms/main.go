// Command genphantoms writes the synthetic chest phantoms (not patient data)
// and their truth.jsonl into a directory. It is run by `go generate
// ./radiograph/phantom`:
//
//	go run ./radiograph/phantom/genphantoms -out testdata/phantoms
//
// With -bench it writes instead the 2048x2048 benchmark radiograph that
// `make bench-compare` renders with cxr-auditor, chafa and img2sixel, in the
// four formats compared: bench-png16.png, bench-png8.png, bench-jpeg.jpg and
// bench-dicom12.dcm.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/cxr-auditor/cxr-auditor/radiograph/phantom"
)

func main() {
	log.SetFlags(0)
	log.SetPrefix("genphantoms: ")
	out := flag.String("out", "testdata/phantoms", "output directory")
	bench := flag.Bool("bench", false, "write the 2048² benchmark radiograph in four formats instead")
	flag.Usage = func() {
		fmt.Fprintf(os.Stderr, "Usage: genphantoms [-out DIR] [-bench]\n\nWrites synthetic chest phantoms (not patient data) and truth.jsonl.\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if *bench {
		if err := writeBench(*out); err != nil {
			log.Fatal(err)
		}
		return
	}
	if err := phantom.WriteAll(*out); err != nil {
		log.Fatal(err)
	}
}

// writeBench writes the benchmark radiograph: the same phantom the render
// package's benchmarks use (pneumothorax, 2048², seed 7).
func writeBench(dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	im := phantom.Render(phantom.Spec{Variant: phantom.Pneumothorax, Width: 2048, Height: 2048, Seed: 7})
	for name, f := range map[string]phantom.Format{
		"bench-png16.png": phantom.PNG16, "bench-png8.png": phantom.PNG8,
		"bench-jpeg.jpg": phantom.JPEG, "bench-dicom12.dcm": phantom.DICOMMono1,
	} {
		var buf bytes.Buffer
		if err := im.Write(&buf, f, "bench"); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	return nil
}
