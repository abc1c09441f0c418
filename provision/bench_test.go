package provision

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// BenchmarkRunRootSSHD is the cost of one remote command on an open
// connection (session, exec, exit status) against a local sshd.
func BenchmarkRunRootSSHD(b *testing.B) {
	b.Run("clean-shell", func(b *testing.B) { benchRun(b, sshdOptions{}) })
	b.Run("host-bashrc", func(b *testing.B) { benchRun(b, sshdOptions{loginRC: true}) })
}

func benchRun(b *testing.B, o sshdOptions) {
	s := startSSHD(b, o)
	c, err := Dial(context.Background(), s.endpoint("web_1"), NewKnownHosts(filepath.Join(b.TempDir(), "kh")), quickDial())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	b.ResetTimer()
	for b.Loop() {
		if _, err := c.Run(context.Background(), "true", nil); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDialRootSSHD is the per-node SSH overhead: TCP connect and SSH
// handshake (key exchange, host key check, public key auth).
func BenchmarkDialRootSSHD(b *testing.B) {
	s := startSSHD(b, sshdOptions{})
	kh := NewKnownHosts(filepath.Join(b.TempDir(), "kh"))
	for b.Loop() {
		c, err := Dial(context.Background(), s.endpoint("web_1"), kh, quickDial())
		if err != nil {
			b.Fatal(err)
		}
		c.Close()
	}
}

// BenchmarkProvision52RootSSHD provisions 52 "nodes" (one local sshd, a
// Root per node) 10 at a time with a 10 MB agent: a fresh install, then a
// second run that finds every node unchanged. It reports the wall time of
// each run and the mean per-node SSH overhead (connect + handshake).
func BenchmarkProvision52RootSSHD(b *testing.B) {
	const nodes, parallel = 52, 10
	s := startSSHD(b, sshdOptions{})
	bin := filepath.Join(b.TempDir(), "labagent-linux-amd64")
	script := "#!/bin/sh\ncase \"$1\" in\nversion) echo 'labagent v0.1.0' ;;\nagent) exec sleep 100000 ;;\nesac\nexit 0\n"
	pad := strings.Repeat("# padding to the size of a real agent binary ..................................\n", 10<<20/80)
	if err := os.WriteFile(bin, []byte(script+pad), 0o755); err != nil {
		b.Fatal(err)
	}
	kh := NewKnownHosts(filepath.Join(b.TempDir(), "kh"))
	var install, again, overhead time.Duration
	var runs int
	for b.Loop() {
		roots := make([]string, nodes)
		for i := range roots {
			roots[i] = b.TempDir()
		}
		run := func(want Action) time.Duration {
			start := time.Now()
			sem := make(chan struct{}, parallel)
			var wg sync.WaitGroup
			var mu sync.Mutex
			for i := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					sem <- struct{}{}
					defer func() { <-sem }()
					p, err := New(Options{Bundle: Bundle{Version: "0.1.0", Binaries: map[string]string{"amd64": bin}},
						HostKeys: kh, Dial: quickDial(), Root: roots[i], Init: InitNone})
					if err != nil {
						b.Error(err)
						return
					}
					r := p.Node(context.Background(), Target{Endpoint: s.endpoint("web_1"), IP: "127.0.0.1", Join: []string{"127.0.0.2"}})
					if r.Action != want {
						b.Errorf("node %d: %s (%v), want %s", i, r.Action, r.Err, want)
					}
					mu.Lock()
					overhead += r.SSHOverhead
					mu.Unlock()
				}()
			}
			wg.Wait()
			return time.Since(start)
		}
		install += run(ActionInstalled)
		again += run(ActionUnchanged)
		runs++
		for _, r := range roots {
			if data, err := os.ReadFile(filepath.Join(r, "var/run/labagent.pid")); err == nil {
				if pid, _ := strconv.Atoi(strings.TrimSpace(string(data))); pid > 0 {
					_ = syscall.Kill(pid, syscall.SIGKILL)
				}
			}
		}
	}
	b.ReportMetric(install.Seconds()/float64(runs), "s-install-52")
	b.ReportMetric(again.Seconds()/float64(runs), "s-unchanged-52")
	b.ReportMetric(float64(overhead.Milliseconds())/float64(2*nodes*runs), "ms-ssh-overhead/node")
}

// BenchmarkUploadRootSSHD is one 12 MB agent upload over SFTP.
func BenchmarkUploadRootSSHD(b *testing.B) {
	s := startSSHD(b, sshdOptions{})
	c, err := Dial(context.Background(), s.endpoint("web_1"), NewKnownHosts(filepath.Join(b.TempDir(), "kh")), quickDial())
	if err != nil {
		b.Fatal(err)
	}
	defer c.Close()
	data := make([]byte, 12<<20)
	dir := b.TempDir()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		f := newFile("binary", filepath.Join(dir, "labagent"), 0o755, "", true)
		f.data = data
		if err := upload(context.Background(), c, []*file{f}, true, nil); err != nil {
			b.Fatal(err)
		}
		os.Remove(f.staged)
	}
}
