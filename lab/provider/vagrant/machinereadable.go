package vagrant

import (
	"bufio"
	"bytes"
	"strconv"
	"strings"
)

// Record is one line of Vagrant's --machine-readable output:
//
//	timestamp,target,type,data...
//
// Vagrant escapes a comma inside a data field as %!(VAGRANT_COMMA) and a
// newline as the two characters \n (a carriage return as \r); Data holds
// the fields unescaped. Target is the machine name, empty for messages
// about the whole environment.
type Record struct {
	Time   int64
	Target string
	Type   string
	Data   []string
}

// ParseMachineReadable returns the records in out, in order. Lines that
// are not records are skipped: `vagrant ssh-config --machine-readable`,
// for one, prints its plain text after the records.
func ParseMachineReadable(out []byte) []Record {
	var recs []Record
	sc := bufio.NewScanner(bytes.NewReader(out))
	sc.Buffer(make([]byte, 0, 64*1024), 16*1024*1024)
	for sc.Scan() {
		if r, ok := ParseRecord(sc.Text()); ok {
			recs = append(recs, r)
		}
	}
	return recs
}

// ParseRecord parses one line; ok is false when the line is not a record
// (it does not start with a numeric timestamp and carry a type).
func ParseRecord(line string) (r Record, ok bool) {
	line = strings.TrimRight(line, "\r")
	f := strings.Split(line, ",")
	if len(f) < 3 || f[0] == "" || f[2] == "" {
		return Record{}, false
	}
	ts, err := strconv.ParseInt(f[0], 10, 64)
	if err != nil || ts < 0 {
		return Record{}, false
	}
	r = Record{Time: ts, Target: f[1], Type: f[2], Data: make([]string, len(f)-3)}
	for i, d := range f[3:] {
		r.Data[i] = Unescape(d)
	}
	return r, true
}

// Unescape undoes Vagrant's escaping of one data field.
func Unescape(s string) string {
	if !strings.ContainsAny(s, `%\`) {
		return s
	}
	return unescaper.Replace(s)
}

var unescaper = strings.NewReplacer(
	"%!(VAGRANT_COMMA)", ",",
	`\n`, "\n",
	`\r`, "\r",
)

// exitError is what an error-exit record says: the error class (e.g.
// Vagrant::Errors::ProviderNotUsable) and Vagrant's message.
type exitError struct {
	Class   string
	Message string
}

// findExitError returns the error-exit record of recs, if any.
func findExitError(recs []Record) (exitError, bool) {
	for _, r := range recs {
		if r.Type == "error-exit" && len(r.Data) >= 2 {
			return exitError{Class: r.Data[0], Message: strings.Join(r.Data[1:], ",")}, true
		}
	}
	return exitError{}, false
}
