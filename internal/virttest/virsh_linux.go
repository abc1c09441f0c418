package virttest

import (
	"context"
	"errors"
	"fmt"
	"strings"
)

// destroyAll removes every domain (with its storage), volume, pool and
// network libvirt knows, then checks that none is left.
func (e *Env) destroyAll(ctx context.Context) error {
	var errs []error
	try := func(args ...string) {
		if _, err := e.Virsh(ctx, args...); err != nil {
			errs = append(errs, err)
		}
	}
	doms, err := e.names(ctx, "list", "--all", "--name")
	errs = append(errs, err)
	for _, dom := range doms {
		_, _ = e.Virsh(ctx, "destroy", dom) // fails when it is not running
		try("undefine", dom, "--remove-all-storage", "--managed-save", "--snapshots-metadata", "--nvram")
	}
	pools, err := e.names(ctx, "pool-list", "--all", "--name")
	errs = append(errs, err)
	for _, pool := range pools {
		vols, _ := e.names(ctx, "vol-list", "--pool", pool) // fails when the pool is inactive
		for _, vol := range vols {
			try("vol-delete", "--pool", pool, vol)
		}
		_, _ = e.Virsh(ctx, "pool-destroy", pool) // fails when it is inactive
		try("pool-undefine", pool)
	}
	nets, err := e.names(ctx, "net-list", "--all", "--name")
	errs = append(errs, err)
	for _, net := range nets {
		_, _ = e.Virsh(ctx, "net-destroy", net)
		try("net-undefine", net)
	}
	left, err := e.Leftovers(ctx)
	errs = append(errs, err)
	if len(left) > 0 {
		errs = append(errs, fmt.Errorf("libvirt still has %s", strings.Join(left, ", ")))
	}
	return errors.Join(errs...)
}

// Leftovers lists what libvirt has in the namespace, as "domain web_1",
// "pool default", "volume default/box.img" or "network vagrant-libvirt".
func (e *Env) Leftovers(ctx context.Context) ([]string, error) {
	var left []string
	for _, kind := range []struct{ what, list string }{{"domain", "list"}, {"pool", "pool-list"}, {"network", "net-list"}} {
		names, err := e.names(ctx, kind.list, "--all", "--name")
		if err != nil {
			return left, err
		}
		for _, n := range names {
			left = append(left, kind.what+" "+n)
			if kind.what != "pool" {
				continue
			}
			vols, _ := e.names(ctx, "vol-list", "--pool", n) // inactive pools list nothing
			for _, v := range vols {
				left = append(left, "volume "+n+"/"+v)
			}
		}
	}
	return left, nil
}

// names runs a virsh listing and returns the first field of each line
// (vol-list prints a path after the name).
func (e *Env) names(ctx context.Context, args ...string) ([]string, error) {
	out, err := e.Virsh(ctx, args...)
	if err != nil {
		return nil, err
	}
	var names []string
	for _, line := range strings.Split(string(out), "\n") {
		if f := strings.Fields(line); len(f) > 0 {
			names = append(names, f[0])
		}
	}
	return names, nil
}
