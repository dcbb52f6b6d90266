// Command sizecheck reports the Go files and functions of the module that
// are longer than the house limits: a non-test file over 450 lines, a
// function over 80 lines. Data tables (and code copied unchanged from
// elsewhere) are excepted by name in the allow list. It exits 1 when
// anything else is over; make lint runs it. With -tests it also lists the
// test functions over the limit, without failing on them.
//
// Usage:
//
//	go run ./scripts/sizecheck [-all] [-tests] [DIR]
package main

import (
	"flag"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
)

const (
	maxFileLines = 450
	maxFuncLines = 80
)

// allowed are the data tables: functions whose length is a list of cases
// or rows, not logic. The key is "path:Func" relative to the module root.
var allowed = map[string]string{
	"ollama/replay/internal/demodata/scenarios.go:Scenarios": "the demo's scenarios, one literal each",
	"internal/e2e/tinymodel/tinymodel.go:visionModel":        "the tiny model's metadata and tensor list",
	"radiograph/internal/jpegluma/idct.go:idctRows":          "Go's image/jpeg, copied unchanged",
}

type finding struct {
	where string
	lines int
	limit int
	what  string
	test  bool
}

func main() {
	all := flag.Bool("all", false, "list every allowed data table too")
	tests := flag.Bool("tests", false, "list the test functions over the limit too (they do not fail the check)")
	flag.Parse()
	root := "."
	if flag.NArg() > 0 {
		root = flag.Arg(0)
	}
	found, err := check(root)
	if err != nil {
		fmt.Fprintln(os.Stderr, "sizecheck:", err)
		os.Exit(1)
	}
	bad := 0
	for _, f := range found {
		reason, ok := allowed[f.where]
		if ok && !*all || f.test && !*tests {
			continue
		}
		mark := "over"
		switch {
		case ok:
			mark = "allowed (" + reason + ")"
		case f.test:
			mark = "test, over"
		default:
			bad++
		}
		fmt.Printf("%s: %s %d lines (limit %d): %s\n", f.where, f.what, f.lines, f.limit, mark)
	}
	if bad > 0 {
		fmt.Fprintf(os.Stderr, "sizecheck: %d over the limits\n", bad)
		os.Exit(1)
	}
}

// check walks root and returns every file and function over its limit,
// sorted by place.
func check(root string) ([]finding, error) {
	var out []finding
	fset := token.NewFileSet()
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			name := d.Name()
			if path != root && (strings.HasPrefix(name, ".") || name == "testdata" || name == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") {
			return nil
		}
		rel, _ := filepath.Rel(root, path)
		f, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		lines := fset.File(f.Pos()).LineCount()
		if !strings.HasSuffix(path, "_test.go") && lines > maxFileLines {
			out = append(out, finding{rel, lines, maxFileLines, "file", false})
		}
		for _, decl := range f.Decls {
			fn, ok := decl.(*ast.FuncDecl)
			if !ok || fn.Body == nil {
				continue
			}
			n := fset.Position(fn.End()).Line - fset.Position(fn.Pos()).Line + 1
			if n > maxFuncLines {
				out = append(out, finding{rel + ":" + funcName(fn), n, maxFuncLines, "func", strings.HasSuffix(path, "_test.go")})
			}
		}
		return nil
	})
	sort.Slice(out, func(i, j int) bool { return out[i].where < out[j].where })
	return out, err
}

// funcName is Func or Type.Method.
func funcName(fn *ast.FuncDecl) string {
	if fn.Recv == nil || len(fn.Recv.List) == 0 {
		return fn.Name.Name
	}
	t := fn.Recv.List[0].Type
	if s, ok := t.(*ast.StarExpr); ok {
		t = s.X
	}
	if ix, ok := t.(*ast.IndexExpr); ok {
		t = ix.X
	}
	if id, ok := t.(*ast.Ident); ok {
		return id.Name + "." + fn.Name.Name
	}
	return fn.Name.Name
}
