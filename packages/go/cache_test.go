package paywit

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// The compilation cache is read and written by a new process (the engine is
// compiled once per process), so each case runs this test binary again with
// PAYWIT_CACHE_CHILD and PAYWIT_CACHE_DIR set: TestMain then calls the
// component once and exits instead of running the tests.
func TestMain(m *testing.M) {
	if os.Getenv("PAYWIT_CACHE_CHILD") != "" {
		policy, err := APIPolicy()
		if err != nil || policy.MaxAttempts == 0 {
			fmt.Fprintf(os.Stderr, "APIPolicy() = %+v, %v\n", policy, err)
			os.Exit(1)
		}
		fmt.Println("answered")
		os.Exit(0)
	}
	os.Exit(m.Run())
}

func runChild(t *testing.T, cacheDir string) {
	t.Helper()
	cmd := exec.Command(os.Args[0])
	cmd.Env = append(os.Environ(), "PAYWIT_CACHE_CHILD=1", "PAYWIT_CACHE_DIR="+cacheDir)
	if out, err := cmd.CombinedOutput(); err != nil || strings.TrimSpace(string(out)) != "answered" {
		t.Fatalf("the child process failed (%v):\n%s", err, out)
	}
}

// entries lists the regular files under dir, at any depth.
func entries(t *testing.T, dir string) []string {
	t.Helper()
	var files []string
	_ = filepath.WalkDir(dir, func(path string, d os.DirEntry, err error) error {
		if err == nil && d.Type().IsRegular() {
			files = append(files, path)
		}
		return nil
	})
	return files
}

func TestCompilationCache(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cache")
	runChild(t, dir)
	written := entries(t, dir)
	if len(written) == 0 {
		t.Fatalf("the first process left no compiled module in %s", dir)
	}
	if info, err := os.Stat(dir); err != nil || info.Mode().Perm() != 0o700 {
		t.Fatalf("the cache directory is %v, want 0700", info.Mode())
	}

	// A damaged entry (its header and offset table near the start, its code in
	// the middle) is compiled again, never loaded: the child still answers, and
	// the entry is written anew.
	damaged := map[string][]byte{}
	for _, path := range written {
		if strings.HasSuffix(path, ".sha256") {
			continue
		}
		data, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		for _, from := range []int{24, len(data) / 2} {
			for i := from; i < from+32 && i < len(data); i++ {
				data[i] ^= 0xff
			}
		}
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		damaged[path] = data
	}
	runChild(t, dir)
	for path, data := range damaged {
		now, err := os.ReadFile(path)
		if err != nil || bytes.Equal(now, data) {
			t.Errorf("the damaged entry %s was not written anew (%v)", path, err)
		}
	}
	runChild(t, dir)

	// An entry written while another (recorded) entry is there, as when two
	// builds with different wazero versions share the directory, is recorded too:
	// the next process loads it instead of deleting it as unknown.
	if os.Getenv("PAYWIT_RUNTIME") != "wasmtime" {
		other := filepath.Join(dir, "wazero-other-version")
		if err := os.MkdirAll(other, 0o700); err != nil {
			t.Fatal(err)
		}
		fake := []byte("an entry of another wazero version")
		if err := os.WriteFile(filepath.Join(other, "entry"), fake, 0o600); err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(fake)
		manifest := hex.EncodeToString(sum[:]) + " wazero-other-version/entry\n"
		if err := os.WriteFile(filepath.Join(dir, cacheManifest), []byte(manifest), 0o600); err != nil {
			t.Fatal(err)
		}
		runChild(t, dir) // the real entry is unrecorded now: deleted, compiled, written, recorded
		recorded, err := os.ReadFile(filepath.Join(dir, cacheManifest))
		if err != nil {
			t.Fatal(err)
		}
		for _, entry := range wazeroEntries(dir) {
			if !strings.Contains(string(recorded), " "+entry+"\n") {
				t.Errorf("the entry %s is not in the manifest:\n%s", entry, recorded)
			}
		}
	}

	// A directory others may write is not used.
	open := filepath.Join(t.TempDir(), "open")
	if err := os.Mkdir(open, 0o777); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(open, 0o777); err != nil {
		t.Fatal(err)
	}
	runChild(t, open)
	if got := entries(t, open); len(got) != 0 {
		t.Errorf("a directory open to others was used: %v", got)
	}

	// A symbolic link to a directory is not used either.
	link := filepath.Join(t.TempDir(), "link")
	target := filepath.Join(t.TempDir(), "target")
	if err := os.Mkdir(target, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	runChild(t, link)
	if got := entries(t, target); len(got) != 0 {
		t.Errorf("a symbolic link was followed: %v", got)
	}

	// "off" turns the cache off.
	runChild(t, "off")
}

// PAYWIT_CACHE_DIR is trimmed and cleaned, "off" matches in any case, and a
// relative directory (which would depend on the working directory) means no cache.
func TestCacheDirSetting(t *testing.T) {
	abs := t.TempDir()
	if err := os.Chmod(abs, 0o700); err != nil {
		t.Fatal(err)
	}
	real, err := filepath.EvalSymlinks(abs) // t.TempDir is below a link on some systems
	if err != nil {
		t.Fatal(err)
	}
	for value, want := range map[string]string{
		"off":                  "",
		" OFF ":                "",
		"Off":                  "",
		"rel-cache":            "",
		"./rel-cache":          "",
		abs:                    real,
		" " + abs + " ":        real,
		abs + "/":              real,
		abs + "/sub/..":        real,
		abs + "/sub/../sub2/.": filepath.Join(real, "sub2"),
	} {
		t.Setenv("PAYWIT_CACHE_DIR", value)
		if got := cacheDir(); got != want {
			t.Errorf("PAYWIT_CACHE_DIR=%q: cacheDir() = %q, want %q", value, got, want)
		}
	}
	if _, err := os.Stat("rel-cache"); !os.IsNotExist(err) {
		t.Errorf("a relative PAYWIT_CACHE_DIR created a directory: %v", err)
	}
}
