//go:build !linux

package netns

import (
	"context"
	"errors"

	"github.com/gossiplab/gossiplab/internal/hint"
	"github.com/gossiplab/gossiplab/lab"
)

var errNotLinux = hint.Wrap(errors.New("the netns provider needs Linux"), "use the virtualbox or libvirt provider on this host")

// RunHelper exists for main's sake; helpers only run on Linux.
func RunHelper(args []string) int { return 2 }

func (p *Provider) Check(ctx context.Context) error { return errNotLinux }
func (p *Provider) Up(ctx context.Context, l *lab.Lab, nodes []string, opts lab.UpOptions) error {
	return errNotLinux
}
func (p *Provider) Halt(ctx context.Context, l *lab.Lab, nodes []string, force bool) error {
	return errNotLinux
}
func (p *Provider) Destroy(ctx context.Context, l *lab.Lab) error { return errNotLinux }
func (p *Provider) Status(ctx context.Context, l *lab.Lab) ([]lab.NodeStatus, error) {
	return nil, errNotLinux
}
func (p *Provider) Leftovers(ctx context.Context, l *lab.Lab) ([]string, error) { return nil, nil }
func (p *Provider) Orphans(ctx context.Context) ([]string, error)               { return nil, nil }

func checkOwner(*lab.Lab) error { return nil }

func (p *Provider) HostNotes(ctx context.Context) []string { return nil }

func (p *Provider) Place(context.Context, *lab.Lab, string, string, string, string) (bool, error) {
	return false, nil
}
