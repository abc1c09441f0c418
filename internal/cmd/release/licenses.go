package main

import (
	"debug/buildinfo"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"

	"golang.org/x/mod/module"
)

// toolchain is where the go command keeps what a build links: the module
// cache and GOROOT.
type toolchain struct{ modcache, goroot string }

// licenseFile matches the files of a module root that carry its license
// and notices.
var licenseFile = regexp.MustCompile(`(?i)^(licen[cs]e|copying|notice|unlicense)([._-].*)?$`)

// addLicenses copies into dir/licenses/ the license files of every module
// linked into the commands built there (read from their build info) and
// of Go itself, as the licenses of those modules ask of a binary
// distribution.
func addLicenses(dir string, tc toolchain) error {
	mods := map[string]string{}
	for _, c := range commands() {
		info, err := buildinfo.ReadFile(filepath.Join(dir, c))
		if err != nil {
			return fmt.Errorf("licenses: %w", err)
		}
		for _, d := range info.Deps {
			if d.Replace != nil {
				d = d.Replace
			}
			mods[d.Path] = d.Version
		}
	}
	return writeLicenses(filepath.Join(dir, "licenses"), mods, tc)
}

// writeLicenses fills out with each module's license files (by module
// path), Go's (go/LICENSE) and a README listing each module and version:
// its source is at the Go module proxy under that path and version.
func writeLicenses(out string, mods map[string]string, tc toolchain) error {
	paths := make([]string, 0, len(mods))
	for p := range mods {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	var list strings.Builder
	for _, p := range paths {
		src, err := moduleDir(tc.modcache, p, mods[p])
		if err != nil {
			return err
		}
		if err := copyLicenses(src, filepath.Join(out, filepath.FromSlash(p))); err != nil {
			return fmt.Errorf("licenses of %s %s: %w", p, mods[p], err)
		}
		fmt.Fprintf(&list, "%s %s\n", p, mods[p])
	}
	if err := copyFile(filepath.Join(tc.goroot, "LICENSE"), filepath.Join(out, "go", "LICENSE")); err != nil {
		return fmt.Errorf("licenses of Go: %w", err)
	}
	readme := "lab, bench and labagent are gossiplab (../LICENSE) built with Go (go/LICENSE,\n" +
		"its standard library and runtime) and these modules, each with its license\n" +
		"files in the directory of its path. The source of each is at the Go module\n" +
		"proxy under that path and version.\n\n" + list.String()
	return writeFile(filepath.Join(out, "README"), []byte(readme), 0o644)
}

// moduleDir is where the module cache holds path@version.
func moduleDir(modcache, path, version string) (string, error) {
	ep, err := module.EscapePath(path)
	if err != nil {
		return "", err
	}
	ev, err := module.EscapeVersion(version)
	if err != nil {
		return "", err
	}
	return filepath.Join(modcache, filepath.FromSlash(ep)+"@"+ev), nil
}

// copyLicenses copies the license files at the top of src into dst; a
// module without any is an error.
func copyLicenses(src, dst string) error {
	entries, err := os.ReadDir(src)
	if err != nil {
		return err
	}
	n := 0
	for _, e := range entries {
		if !e.Type().IsRegular() || !licenseFile.MatchString(e.Name()) {
			continue
		}
		if err := copyFile(filepath.Join(src, e.Name()), filepath.Join(dst, e.Name())); err != nil {
			return err
		}
		n++
	}
	if n == 0 {
		return fmt.Errorf("no license file in %s", src)
	}
	return nil
}
