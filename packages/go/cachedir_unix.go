//go:build unix

package paywit

import (
	"os"
	"os/user"
	"path/filepath"
	"strconv"
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
// by this user or root, and one that others may write must be sticky (others
// cannot rename what is not theirs there), as ssh's StrictModes asks of a home.
// A directory writable by the user's own private group (umask 002 on systems
// that give each user a group of their name) counts as the user's.
func trustedPath(dir string) string {
	// A set-user-ID program must not load code from a directory its caller owns.
	if os.Getuid() != os.Geteuid() {
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
		perm := info.Mode().Perm()
		sticky := info.Mode()&os.ModeSticky != 0
		if perm&0o002 != 0 && !sticky {
			return ""
		}
		if perm&0o020 != 0 && !sticky && !(int(st.Uid) == os.Geteuid() && ownPrivateGroup(st.Gid)) {
			return ""
		}
		if p == filepath.Dir(p) {
			return filepath.Join(parent, filepath.Base(dir))
		}
	}
}

// ownPrivateGroup reports whether gid is this user's primary group and has the
// user's name: the user-private-group scheme, where the group holds only them.
func ownPrivateGroup(gid uint32) bool {
	if int(gid) != os.Getegid() {
		return false
	}
	me, err := user.LookupId(strconv.Itoa(os.Geteuid()))
	if err != nil {
		return false
	}
	group, err := user.LookupGroupId(strconv.Itoa(int(gid)))
	return err == nil && group.Name == me.Username
}
