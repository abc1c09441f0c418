package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"time"

	"github.com/spf13/cobra"
	"github.com/spf13/cobra/doc"

	"github.com/gossiplab/gossiplab/bench"
	benchcmd "github.com/gossiplab/gossiplab/bench/command"
	"github.com/gossiplab/gossiplab/internal/buildinfo"
	"github.com/gossiplab/gossiplab/lab"
	"github.com/gossiplab/gossiplab/lab/cli"
)

// render returns every man page by file name ("lab-chaos.1"), for the
// repository at root.
func render(ctx context.Context, root string) (map[string][]byte, error) {
	changelog, err := os.ReadFile(filepath.Join(root, "CHANGELOG.md"))
	if err != nil {
		return nil, err
	}
	date, err := releaseDate(changelog)
	if err != nil {
		return nil, err
	}
	header := doc.GenManHeader{Source: "gossiplab", Manual: "gossiplab manual", Date: &date}
	pages := map[string][]byte{}
	for _, root := range []*cobra.Command{labRoot(), benchRoot()} {
		if err := cobraPages(pages, root, header); err != nil {
			return nil, err
		}
	}
	agent, err := labagentPage(ctx, header)
	if err != nil {
		return nil, err
	}
	pages["labagent.1"] = agent
	return pages, nil
}

// labRoot is lab's command tree as cmd/lab builds it. The providers do
// not show in the help, so none are registered.
func labRoot() *cobra.Command {
	return cli.NewRoot(&cli.Env{
		Logger:    slog.New(slog.DiscardHandler),
		Streams:   cli.Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard},
		Providers: lab.NewRegistry(),
		Version:   buildinfo.Next, // any: it only makes --version appear
	})
}

// benchRoot is bench's command tree with the backends cmd/bench
// registers (their names appear in bench converge's help).
func benchRoot() *cobra.Command {
	backends := func(log *slog.Logger) *bench.Registry {
		r := bench.DefaultRegistry(log)
		r.Add(bench.NewLab(lab.NewRegistry(), log))
		return r
	}
	return benchcmd.NewRoot(benchcmd.Streams{In: strings.NewReader(""), Out: io.Discard, Err: io.Discard}, backends)
}

// cobraPages renders a page for every available command of root's tree,
// the completion commands included, as cobra/doc's GenManTree names them.
func cobraPages(pages map[string][]byte, root *cobra.Command, header doc.GenManHeader) error {
	root.InitDefaultCompletionCmd()
	var walk func(c *cobra.Command) error
	walk = func(c *cobra.Command) error {
		if !c.IsAvailableCommand() || c.IsAdditionalHelpTopicCommand() {
			return nil
		}
		c.DisableAutoGenTag = true // its HISTORY section carries today's date
		for _, sub := range c.Commands() {
			if err := walk(sub); err != nil {
				return err
			}
		}
		h := header // GenMan fills in the title
		var b bytes.Buffer
		if err := doc.GenMan(c, &h, &b); err != nil {
			return fmt.Errorf("man page of %s: %w", c.CommandPath(), err)
		}
		pages[strings.ReplaceAll(c.CommandPath(), " ", "-")+".1"] = b.Bytes()
		return nil
	}
	return walk(root)
}

var releaseHeading = regexp.MustCompile(`(?m)^## \[[^\]]+\] - (\d{4}-\d{2}-\d{2})\s*$`)

// releaseDate is the date of the newest release in a Keep a Changelog
// file: the first "## [X.Y.Z] - YYYY-MM-DD" heading.
func releaseDate(changelog []byte) (time.Time, error) {
	m := releaseHeading.FindSubmatch(changelog)
	if m == nil {
		return time.Time{}, fmt.Errorf("CHANGELOG.md has no dated release heading (## [X.Y.Z] - YYYY-MM-DD) to date the man pages with")
	}
	return time.Parse(time.DateOnly, string(m[1]))
}
