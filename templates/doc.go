// Package templates embeds the text templates of the files lab generates
// (the Vagrantfile and the default lab.hcl). It is its own package because
// go:embed cannot reach files outside a package's directory; the packages
// that render them (vagrantgen, lab) test the output against exact text.
package templates

import _ "embed"

//go:embed Vagrantfile.tmpl
var vagrantfile string

//go:embed lab.hcl.tmpl
var labFile string

// Vagrantfile is the template vagrantgen renders.
func Vagrantfile() string { return vagrantfile }

// LabFile is the template of the lab.hcl that lab init writes.
func LabFile() string { return labFile }
