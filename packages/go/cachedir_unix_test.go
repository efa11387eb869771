//go:build unix

package paywit

import (
	"os"
	"path/filepath"
	"testing"
)

// The cache directory is used only when no one but this user and root could
// rename a directory on the way to it (wazero opens entries by path).
func TestCacheDirAncestors(t *testing.T) {
	cacheIn := func(t *testing.T, parent string) string {
		t.Helper()
		t.Setenv("PAYWIT_CACHE_DIR", filepath.Join(parent, "cache"))
		return cacheDir()
	}
	parentWithMode := func(t *testing.T, mode os.FileMode) string {
		t.Helper()
		parent := filepath.Join(t.TempDir(), "parent")
		if err := os.Mkdir(parent, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(parent, mode); err != nil {
			t.Fatal(err)
		}
		return parent
	}

	t.Run("a parent others may write is refused", func(t *testing.T) {
		if got := cacheIn(t, parentWithMode(t, 0o777)); got != "" {
			t.Errorf("cacheDir() = %q below a world-writable parent, want none", got)
		}
	})
	t.Run("a sticky parent is used, as /tmp is", func(t *testing.T) {
		parent := parentWithMode(t, 0o777|os.ModeSticky)
		if got, want := cacheIn(t, parent), resolved(t, parent, "cache"); got != want {
			t.Errorf("cacheDir() = %q, want %q", got, want)
		}
	})
	t.Run("links above the directory are resolved", func(t *testing.T) {
		real := parentWithMode(t, 0o700)
		link := filepath.Join(t.TempDir(), "link")
		if err := os.Symlink(real, link); err != nil {
			t.Fatal(err)
		}
		if got, want := cacheIn(t, link), resolved(t, real, "cache"); got != want {
			t.Errorf("cacheDir() = %q, want the resolved %q", got, want)
		}
	})
	t.Run("a group-writable parent is refused, whatever its group", func(t *testing.T) {
		// Even the user's own group: nothing portable says who else is in it.
		if got := cacheIn(t, parentWithMode(t, 0o770)); got != "" {
			t.Errorf("cacheDir() = %q below a group-writable parent, want none", got)
		}
	})
	t.Run("a parent of another owner or group is refused", func(t *testing.T) {
		if os.Getuid() != 0 {
			t.Skip("only root can give a directory to another user or group")
		}
		for _, c := range []struct {
			mode     os.FileMode
			uid, gid int
		}{{0o755, 65534, 65534}, {0o770, 0, 65534}} {
			parent := parentWithMode(t, c.mode)
			if err := os.Chown(parent, c.uid, c.gid); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(parent, "cache"), 0o700); err != nil {
				t.Fatal(err)
			}
			if got := cacheIn(t, parent); got != "" {
				t.Errorf("cacheDir() = %q below a %v parent of %d:%d, want none", got, c.mode, c.uid, c.gid)
			}
		}
	})
}

// resolved is filepath.Join(dir, name) with the links in dir resolved (t.TempDir
// is below one on some systems: /var on macOS).
func resolved(t *testing.T, dir, name string) string {
	t.Helper()
	real, err := filepath.EvalSymlinks(dir)
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(real, name)
}
