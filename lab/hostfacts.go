package lab

import (
	"bufio"
	"context"
	"net"
	"os"
	"runtime"
	"strconv"
	"strings"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// GatherHostFacts reads the facts every plan needs from this host;
// providers read their own (VirtualBox's host-only rules) in PlanChecks.
func GatherHostFacts(ctx context.Context) HostFacts {
	return HostFacts{OS: runtime.GOOS, PortFree: PortFree, MemAvailableMB: memAvailableMB(ctx), CPUs: runtime.NumCPU()}
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
