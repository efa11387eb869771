//go:build !unix

package paywit

import "os"

// privateDir reports whether dir is a directory (not a link); where there are
// no Unix permissions, the user's own cache directory is trusted as it is.
func privateDir(dir string) bool {
	info, err := os.Lstat(dir)
	return err == nil && info.IsDir()
}

// trustedPath is dir as it is: without Unix permissions there is no owner and
// mode to check on the way to it.
func trustedPath(dir string) string { return dir }
