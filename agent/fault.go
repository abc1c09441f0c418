package agent

import (
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/memberlist"

	"github.com/gossiplab/gossiplab/agent/rpc"
)

// Fault is the fault injection state of an agent's transport (the zero
// value injects nothing); see rpc.Fault, its one declaration.
type Fault = rpc.Fault

// FaultTransport decorates a memberlist transport with loss, partitions
// and delay. Faults live here, not in the protocol code; with no fault
// set it passes everything through.
type FaultTransport struct {
	inner   memberlist.NodeAwareTransport
	resolve func(names []string) []netip.Addr
	logger  *slog.Logger

	// source, when valid, is the local address streams are dialed from
	// (the bind address), so peers see the agent's own IP.
	source netip.Addr

	fault   atomic.Pointer[Fault]
	packets chan *memberlist.Packet
	streams chan net.Conn
	done    chan struct{} // closed when Shutdown starts: stop delivering
	stopped chan struct{} // closed when the inner transport has shut down
	once    sync.Once
}

var _ memberlist.NodeAwareTransport = (*FaultTransport)(nil)

// NewFaultTransport wraps inner; resolve maps member names to addresses
// for partitions (nil: partitions match nothing).
func NewFaultTransport(inner memberlist.NodeAwareTransport, resolve func([]string) []netip.Addr, logger *slog.Logger) *FaultTransport {
	t := &FaultTransport{
		inner:   inner,
		resolve: resolve,
		logger:  logger,
		packets: make(chan *memberlist.Packet),
		streams: make(chan net.Conn),
		done:    make(chan struct{}),
		stopped: make(chan struct{}),
	}
	t.fault.Store(&Fault{})
	go t.pumpPackets()
	go t.pumpStreams()
	return t
}

// Set replaces the fault state; the zero Fault clears it.
func (t *FaultTransport) Set(f Fault) {
	f.Partition = append([]string(nil), f.Partition...)
	t.fault.Store(&f)
}

// Fault returns the current fault state.
func (t *FaultTransport) Fault() Fault { return *t.fault.Load() }

func (t *FaultTransport) blocked(f *Fault, ip netip.Addr) bool {
	if len(f.Partition) == 0 || t.resolve == nil {
		return false
	}
	for _, a := range t.resolve(f.Partition) {
		if a == ip {
			return true
		}
	}
	return false
}

func addrIP(addr string) netip.Addr {
	ap, err := netip.ParseAddrPort(addr)
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func netAddrIP(a net.Addr) netip.Addr {
	switch v := a.(type) {
	case *net.UDPAddr:
		ip, _ := netip.AddrFromSlice(v.IP)
		return ip.Unmap()
	case *net.TCPAddr:
		ip, _ := netip.AddrFromSlice(v.IP)
		return ip.Unmap()
	}
	if a == nil {
		return netip.Addr{}
	}
	return addrIP(a.String())
}

// dropOut decides an outgoing packet's fate; delay > 0 sends it later.
func (t *FaultTransport) dropOut(addr string) (drop bool, delay time.Duration) {
	f := t.fault.Load()
	if !f.Active() {
		return false, 0
	}
	if f.Loss > 0 && rand.Float64() < f.Loss {
		return true, 0
	}
	if t.blocked(f, addrIP(addr)) {
		return true, 0
	}
	return false, f.Delay
}

func (t *FaultTransport) FinalAdvertiseAddr(ip string, port int) (net.IP, int, error) {
	return t.inner.FinalAdvertiseAddr(ip, port)
}

func (t *FaultTransport) WriteTo(b []byte, addr string) (time.Time, error) {
	return t.WriteToAddress(b, memberlist.Address{Addr: addr})
}

func (t *FaultTransport) WriteToAddress(b []byte, a memberlist.Address) (time.Time, error) {
	drop, delay := t.dropOut(a.Addr)
	if drop {
		return time.Now(), nil // lost on the wire: the sender cannot tell
	}
	if delay > 0 {
		buf := append([]byte(nil), b...)
		time.AfterFunc(delay, func() {
			select {
			case <-t.done:
			default:
				_, _ = t.inner.WriteToAddress(buf, a)
			}
		})
		return time.Now(), nil
	}
	return t.inner.WriteToAddress(b, a)
}

func (t *FaultTransport) PacketCh() <-chan *memberlist.Packet { return t.packets }

func (t *FaultTransport) DialTimeout(addr string, timeout time.Duration) (net.Conn, error) {
	return t.DialAddressTimeout(memberlist.Address{Addr: addr}, timeout)
}

func (t *FaultTransport) DialAddressTimeout(a memberlist.Address, timeout time.Duration) (net.Conn, error) {
	f := t.fault.Load()
	if t.blocked(f, addrIP(a.Addr)) {
		return nil, fmt.Errorf("dial %s: partitioned by fault injection", a.Addr)
	}
	if f.Delay > 0 {
		select {
		case <-time.After(f.Delay):
		case <-t.done:
			return nil, errors.New("transport shut down")
		}
	}
	if !t.source.IsValid() {
		return t.inner.DialAddressTimeout(a, timeout)
	}
	d := net.Dialer{Timeout: timeout, LocalAddr: &net.TCPAddr{IP: t.source.AsSlice()}}
	return d.Dial("tcp", a.Addr)
}

// DialFrom makes streams start from ip (the bind address) instead of the
// address the routing table picks. An unspecified ip changes nothing.
func (t *FaultTransport) DialFrom(ip netip.Addr) {
	if ip.IsValid() && !ip.IsUnspecified() {
		t.source = ip
	}
}

func (t *FaultTransport) StreamCh() <-chan net.Conn { return t.streams }

// Shutdown shuts the inner transport down. Until it has, the pumps keep
// draining its channels (its listeners block on them otherwise).
func (t *FaultTransport) Shutdown() error {
	var err error
	t.once.Do(func() {
		close(t.done)
		err = t.inner.Shutdown()
		close(t.stopped)
	})
	return err
}

func (t *FaultTransport) shuttingDown() bool {
	select {
	case <-t.done:
		return true
	default:
		return false
	}
}

func (t *FaultTransport) pumpPackets() {
	in := t.inner.PacketCh()
	for {
		select {
		case <-t.stopped:
			return
		case p := <-in:
			if t.shuttingDown() {
				continue
			}
			if f := t.fault.Load(); f.Active() && t.blocked(f, netAddrIP(p.From)) {
				continue
			}
			select {
			case t.packets <- p:
			case <-t.done:
			}
		}
	}
}

func (t *FaultTransport) pumpStreams() {
	in := t.inner.StreamCh()
	for {
		select {
		case <-t.stopped:
			return
		case c := <-in:
			if t.shuttingDown() {
				_ = c.Close()
				continue
			}
			if f := t.fault.Load(); f.Active() && t.blocked(f, netAddrIP(c.RemoteAddr())) {
				_ = c.Close()
				continue
			}
			select {
			case t.streams <- c:
			case <-t.done:
				_ = c.Close()
			}
		}
	}
}
