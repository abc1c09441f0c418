// Package buildinfo says which build of gossiplab a binary is: its
// version, the commit and date it was built from, whether that tree had
// uncommitted changes, and the Go toolchain. lab, bench and labagent
// print it with their version commands (labagent's version is also the
// one provisioning compares between the agent on a node and the one it
// would install).
//
// The version is, first found first:
//
//   - what a release build set with the linker (the release tool does:
//     go run ./internal/cmd/release);
//   - the Go module version in the binary's build info when it is a
//     release: `go install github.com/gossiplab/gossiplab/cmd/lab@v0.2.0`
//     reports 0.2.0;
//   - otherwise [Next] with "-dev": a build from a checkout ("(devel)"),
//     or of a commit that is no release (`go install ...@main`, a
//     pseudo-version).
//
// The commit, its date and "modified" come from the linker flags, or from
// the build info's vcs.revision, vcs.time and vcs.modified (a go build in
// a Git checkout stamps them unless -buildvcs=false), or from the
// pseudo-version. A release build sets them with:
//
//	go build -ldflags "-X github.com/gossiplab/gossiplab/internal/buildinfo.version=0.2.0
//	    -X github.com/gossiplab/gossiplab/internal/buildinfo.commit=<full revision>
//	    -X github.com/gossiplab/gossiplab/internal/buildinfo.date=2026-12-03T12:00:00Z" ./cmd/lab
//
// Every version it reports parses with hashicorp/go-version, which is how
// provisioning reads `labagent version`.
package buildinfo
