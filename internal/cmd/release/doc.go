// Command release builds the release archives of gossiplab into dist/:
// lab, bench and labagent for linux and darwin on amd64 and arm64
// (CGO_ENABLED=0, -trimpath), stamped with the version, commit and commit
// date (package internal/buildinfo), one tar.gz per platform and a
// SHA256SUMS file. Run it from the repository:
//
//	go run ./internal/cmd/release              # HEAD must carry the tag vNEXT, the tree clean
//	go run ./internal/cmd/release --snapshot   # any commit, any tree: version NEXT-dev
//
// NEXT is buildinfo.Next. A release also needs CHANGELOG.md to have the
// version's section (a pre-release, v0.2.0-rc.1, does not), and writes it
// to dist/RELEASE_NOTES.md.
//
// Each archive, gossiplab_VERSION_OS_ARCH.tar.gz, holds one directory of
// that name with lab, bench and labagent for the platform, the Linux
// agents lab provision uploads (labagent-linux-amd64 and -arm64, found
// next to lab), LICENSE, README.md, CHANGELOG.md, the man pages under
// man/man1, and under licenses/ the license files of Go and of every
// module the binaries link, with the list of those modules. The staged
// directories stay in dist/ to be tried. Archives are
// reproducible: entries sorted, owned by 0:0, dated at the commit, and Go
// builds the same binaries from the same commit and toolchain.
//
// Before it archives, the tool runs this host's binaries (when the host is
// one of the platforms) and checks that they report the stamped build, and
// that provisioning reads labagent's version as stamped.
package main
