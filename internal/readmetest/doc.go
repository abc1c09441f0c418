// Package readmetest checks that the commands the documentation shows
// work as written. Its tests read the fenced ```sh blocks of README.md,
// CONTRIBUTING.md and docs/*.md:
//
//   - every block must be valid shell (bash -n), and every lab, bench and
//     labagent command in it (also through sudo, go run ./cmd/NAME, $(...)
//     and <(...)) must name subcommands and flags that the binaries built
//     from this tree list in their --help; every path a go command or
//     man -l is given must exist in the repository;
//   - the README's blocks marked with the HTML comment
//     `<!-- readme-test: run -->` on the line before the fence run, in
//     order, as one bash script with -e and pipefail (TestRootREADMERun,
//     as root with the netns provider): from the repository's root, with
//     HOME in a temporary directory, GOBIN a temporary directory first on
//     PATH, and a `sudo` that runs its arguments (the test is root
//     already). `lab up` gets a unique --name and free --ssh-port-base
//     inserted, so that the run never meets another lab on the host; the
//     lab is destroyed afterwards, also when the run fails.
//
// Mark a block to run only when it needs no hypervisor and takes under a
// minute; everything else (VirtualBox, long experiments, the tests
// themselves) is checked for syntax only. Output is shown in ```text
// blocks, which are not checked.
package readmetest
