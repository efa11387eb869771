//go:build unix

package paywit

import (
	"os"
	"path/filepath"
	"syscall"
)

// privateDir reports whether dir is a directory (not a link) owned by this user
// that no one else may write or read.
func privateDir(dir string) bool {
	info, err := os.Lstat(dir)
	if err != nil || !info.IsDir() || info.Mode().Perm()&0o077 != 0 {
		return false
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	return ok && int(st.Uid) == os.Geteuid()
}

// trustedPath is dir with the links above it resolved, or "" when someone other
// than this user and root could replace a directory on the way to it. wazero
// opens cache entries by path, so a private directory is not enough: whoever may
// rename an entry in one of its ancestors could swap in a directory of their own
// between paywit's check and wazero's read. Each ancestor must therefore be owned
// by this user or root and closed to writes by others, or sticky (others cannot
// rename what is not theirs there), as ssh's StrictModes asks of a home. A
// group-writable ancestor is refused even when the group bears the user's name:
// nothing portable says who else is in it.
func trustedPath(dir string) string {
	// A set-user-ID or set-group-ID program must not load code its caller chose.
	if os.Getuid() != os.Geteuid() || os.Getgid() != os.Getegid() {
		return ""
	}
	parent, err := filepath.EvalSymlinks(filepath.Dir(dir))
	if err != nil {
		return ""
	}
	for p := parent; ; p = filepath.Dir(p) {
		info, err := os.Lstat(p)
		if err != nil || !info.IsDir() {
			return ""
		}
		st, ok := info.Sys().(*syscall.Stat_t)
		if !ok || (st.Uid != 0 && int(st.Uid) != os.Geteuid()) {
			return ""
		}
		if info.Mode().Perm()&0o022 != 0 && info.Mode()&os.ModeSticky == 0 {
			return ""
		}
		if p == filepath.Dir(p) {
			return filepath.Join(parent, filepath.Base(dir))
		}
	}
}
