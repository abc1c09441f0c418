package main

import (
	"bytes"
	"context"
	"fmt"
	"strings"

	"github.com/spf13/cobra/doc"

	"github.com/gossiplab/gossiplab/agent/command"
)

// labagentPage is labagent(1): a hand-written description around the
// help text labagent prints, `labagent help` and `labagent COMMAND -h`
// for each command. The environment is empty while it asks, so that the
// defaults shown are the program's, not this shell's.
func labagentPage(ctx context.Context, header doc.GenManHeader) ([]byte, error) {
	noEnv := func(string) string { return "" }
	help := func(args ...string) (string, error) {
		var out bytes.Buffer
		s := command.Streams{In: strings.NewReader(""), Out: &out, Err: &out}
		if code := command.Main(ctx, args, s, noEnv); code != 0 {
			return "", fmt.Errorf("labagent %s: exit status %d: %s", strings.Join(args, " "), code, out.String())
		}
		return out.String(), nil
	}
	var b strings.Builder
	fmt.Fprintf(&b, ".nh\n.TH \"LABAGENT\" \"1\" \"%s\" \"%s\" \"%s\"\n", header.Date.Format("Jan 2006"), header.Source, header.Manual)
	b.WriteString(`
.SH NAME
labagent \- the gossip agent of gossiplab and its client commands

.SH SYNOPSIS
\fBlabagent COMMAND [flags] [args]\fP

.SH DESCRIPTION
.PP
\fBlabagent agent\fP runs a Serf\-style gossip agent on hashicorp/memberlist
that keeps a journal of every membership change and user event, stamped
the moment it learned it. The other commands are clients of a running
agent over its RPC address, or work alone (keygen, version).
.PP
Flags follow Serf's spelling and are parsed by Go's flag package:
\fB\-node=web_1\fP, \fB\-node web_1\fP and \fB\-\-node web_1\fP are the same.
Flags come before positional arguments.
`)
	usage, err := help("help")
	if err != nil {
		return nil, err
	}
	b.WriteString("\n.SH COMMANDS\n")
	b.WriteString(preformatted(usage))
	for _, c := range command.Commands(command.Streams{}, noEnv) {
		text, err := help(c.Name, "-h")
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "\n.SS %s\n.PP\n%s\n%s", escape(c.Name), escape(upperFirst(c.Synopsis))+".", preformatted(text))
	}
	b.WriteString(`
.SH ENVIRONMENT
.TP
\fBLABAGENT_RPC_ADDR\fP
The default of \-rpc\-addr: the agent the client commands talk to.
.TP
\fBLABAGENT_RPC_TOKEN\fP
The default of \-rpc\-token.

.SH EXIT STATUS
0 on success, 1 when the command failed, 2 on bad usage.

.SH SEE ALSO
\fBlab(1)\fP, \fBbench(1)\fP
`)
	return []byte(b.String()), nil
}

// preformatted is text as a roff no-fill block: lines and spacing kept.
func preformatted(text string) string {
	var b strings.Builder
	b.WriteString(".PP\n.RS\n.nf\n")
	for _, line := range strings.Split(strings.TrimRight(text, "\n"), "\n") {
		b.WriteString(escape(strings.ReplaceAll(line, "\t", "    ")) + "\n")
	}
	b.WriteString(".fi\n.RE\n")
	return b.String()
}

// escape makes text literal in roff: backslashes and hyphens escaped (a
// bare "-" may print as a hyphen that a copied flag would not match), and
// a line that starts with "." or "'" kept from reading as a request.
func escape(text string) string {
	text = strings.ReplaceAll(text, `\`, `\e`)
	text = strings.ReplaceAll(text, "-", `\-`)
	lines := strings.Split(text, "\n")
	for i, l := range lines {
		if strings.HasPrefix(l, ".") || strings.HasPrefix(l, "'") {
			lines[i] = `\&` + l
		}
	}
	return strings.Join(lines, "\n")
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
