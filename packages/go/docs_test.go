package paywit

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"strings"
	"testing"
)

// Every exported type, function, method, constant and variable of the package
// (generated or written by hand) has a doc comment: godoc is the reference.
func TestEveryExportedItemHasADocComment(t *testing.T) {
	fset := token.NewFileSet()
	pkgs, err := parser.ParseDir(fset, ".", func(info fs.FileInfo) bool {
		return !strings.HasSuffix(info.Name(), "_test.go")
	}, parser.ParseComments)
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for _, pkg := range pkgs {
		for name, file := range pkg.Files {
			for _, decl := range file.Decls {
				switch d := decl.(type) {
				case *ast.FuncDecl:
					if d.Name.IsExported() {
						checked++
						if d.Doc == nil {
							t.Errorf("%s: func %s has no doc comment", fset.Position(d.Pos()), d.Name.Name)
						}
					}
				case *ast.GenDecl:
					for _, spec := range d.Specs {
						var names []*ast.Ident
						var doc *ast.CommentGroup
						switch s := spec.(type) {
						case *ast.TypeSpec:
							names, doc = []*ast.Ident{s.Name}, s.Doc
						case *ast.ValueSpec:
							names, doc = s.Names, s.Doc
						}
						for _, n := range names {
							if n.IsExported() {
								checked++
								if doc == nil && d.Doc == nil {
									t.Errorf("%s (%s): %s has no doc comment", fset.Position(n.Pos()), name, n.Name)
								}
							}
						}
					}
				}
			}
		}
	}
	if checked < 300 {
		t.Errorf("only %d exported items found: the test reads the wrong directory", checked)
	}
}
