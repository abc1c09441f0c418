package lab

import (
	"bufio"
	"context"
	"errors"
	"io/fs"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// GatherHostFacts reads the facts the planner needs from this host for a
// lab on provider: VirtualBox's host-only rules are read only for
// VirtualBox labs (they cost a VBoxManage run).
func GatherHostFacts(ctx context.Context, provider string) HostFacts {
	f := HostFacts{OS: runtime.GOOS, PortFree: PortFree}
	f.MemAvailableMB = memAvailableMB(ctx)
	if provider != ProviderVirtualBox {
		return f
	}
	if data, err := os.ReadFile("/etc/vbox/networks.conf"); err == nil {
		s := string(data)
		f.NetworksConf = &s
	} else if !errors.Is(err, fs.ErrNotExist) {
		s := "" // unreadable: treat as allowing nothing beyond what it says
		f.NetworksConf = &s
	}
	if out, err := execx.Run(ctx, "VBoxManage", "--version"); err == nil {
		f.VBoxVersion = strings.TrimSpace(string(out))
	}
	return f
}

// PortFree reports whether a TCP port can be bound on 127.0.0.1 now.
func PortFree(port int) bool {
	l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	l.Close()
	return true
}

func memAvailableMB(ctx context.Context) int {
	switch runtime.GOOS {
	case "linux":
		f, err := os.Open("/proc/meminfo")
		if err != nil {
			return 0
		}
		defer f.Close()
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			if len(fields) >= 2 && fields[0] == "MemAvailable:" {
				kb, _ := strconv.Atoi(fields[1])
				return kb / 1024
			}
		}
	case "darwin":
		// Total memory: macOS has no cheap "available" figure; the host
		// reserve covers what the system itself uses.
		out, err := execx.Run(ctx, "sysctl", "-n", "hw.memsize")
		if err == nil {
			b, _ := strconv.ParseInt(strings.TrimSpace(string(out)), 10, 64)
			return int(b >> 20)
		}
	}
	return 0
}
