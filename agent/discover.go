package agent

import (
	"context"
	"io"
	"log"
	"net"
	"net/netip"
	"strings"
	"time"

	"github.com/hashicorp/mdns"
)

// discoverLoop announces this agent over mDNS as an instance of
// "_labagent_<cluster>._tcp" and joins the other instances it finds:
// every 5 s while alone, every 60 s once it has company. With
// Config.Interface set, mDNS uses only that interface.
func (a *Agent) discoverLoop(ctx context.Context) {
	service := "_labagent_" + a.cfg.Discover + "._tcp"
	self := a.Addr()
	var iface *net.Interface
	if a.cfg.Interface != "" {
		ifi, err := net.InterfaceByName(a.cfg.Interface)
		if err != nil {
			a.logger.Error("mDNS discovery disabled", "err", err)
			return
		}
		iface = ifi
	}
	mlog := log.New(&mdnsLog{a: a}, "", 0)
	svc, err := mdns.NewMDNSService(a.cfg.NodeName, service, "", "", int(self.Port()), []net.IP{net.IP(self.Addr().AsSlice())}, []string{"labagent " + Version()})
	if err != nil {
		a.logger.Error("mDNS discovery disabled: cannot describe the service", "err", err)
		return
	}
	srv, err := mdns.NewServer(&mdns.Config{Zone: svc, Iface: iface, Logger: mlog})
	if err != nil {
		a.logger.Error("mDNS discovery disabled: cannot listen for mDNS", "err", err, "hint", "the interface needs multicast; or use -join/-retry-join")
		return
	}
	defer func() { _ = srv.Shutdown() }()
	a.logger.Info("mDNS discovery started", "service", service)

	for {
		a.discoverOnce(ctx, service, iface, self, mlog)
		every := 60 * time.Second
		if a.numNodes() <= 1 {
			every = 5 * time.Second
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(every):
		}
	}
}

func (a *Agent) discoverOnce(ctx context.Context, service string, iface *net.Interface, self netip.AddrPort, mlog *log.Logger) {
	entries := make(chan *mdns.ServiceEntry, 64)
	qctx, cancel := context.WithTimeout(ctx, 3*time.Second)
	defer cancel()
	go func() {
		defer close(entries)
		err := mdns.QueryContext(qctx, &mdns.QueryParam{
			Service: service, Domain: "local", Timeout: 2 * time.Second,
			Interface: iface, Entries: entries, DisableIPv6: true, Logger: mlog,
		})
		if err != nil && qctx.Err() == nil {
			a.logger.Warn("mDNS query failed", "err", err)
		}
	}()
	known := map[netip.AddrPort]bool{self: true}
	for _, m := range a.Members() {
		if m.Status == StatusAlive {
			known[m.AddrPort] = true
		}
	}
	var addrs []string
	for e := range entries {
		if e.AddrV4 == nil {
			continue
		}
		ip, _ := netip.AddrFromSlice(e.AddrV4)
		ap := netip.AddrPortFrom(ip.Unmap(), uint16(e.Port))
		if known[ap] {
			continue
		}
		known[ap] = true
		addrs = append(addrs, ap.String())
	}
	if len(addrs) == 0 {
		return
	}
	jctx, jcancel := context.WithTimeout(ctx, 10*time.Second)
	defer jcancel()
	if n, err := a.Join(jctx, addrs); err != nil {
		a.logger.Warn("joining mDNS-discovered agents failed", "addrs", addrs, "err", err)
	} else {
		a.logger.Info("joined mDNS-discovered agents", "contacted", n)
	}
}

// mdnsLog passes mdns's log lines to the agent's logger at debug level.
type mdnsLog struct{ a *Agent }

var _ io.Writer = (*mdnsLog)(nil)

func (w *mdnsLog) Write(p []byte) (int, error) {
	w.a.logger.Debug(strings.TrimSpace(string(p)), "component", "mdns")
	return len(p), nil
}
