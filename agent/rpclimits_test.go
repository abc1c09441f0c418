package agent_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gossiplab/gossiplab/agent"
	"github.com/gossiplab/gossiplab/agent/agenttest"
	"github.com/gossiplab/gossiplab/agent/rpc"
)

// These tests attack a real agent's RPC server on loopback and assert
// what it holds (connections, goroutines, heap), not how fast it is.

const token = "s3cret"

// startRPCAgent starts one agent with an RPC server, token and limits.
func startRPCAgent(t *testing.T, limits agent.RPCLimits) (*agent.Agent, string) {
	t.Helper()
	c := agenttest.NewCluster(t, t.Context(), 1, agenttest.Options{Configure: func(i int, cfg *agent.Config) {
		cfg.RPCAddr = agenttest.Addr(agenttest.SubnetFor(t.Name()), 0).String() + ":0"
		cfg.RPCToken = token
		cfg.RPCLimits = limits
	}})
	return c.Agents[0], c.Agents[0].Info().RPCAddr
}

func dial(t *testing.T, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// answer reads what the server sends before deadline: its first line
// (decoded) and whether it then closed the connection.
type answer struct {
	resp   rpc.Response
	closed bool
}

func readAnswer(c net.Conn, deadline time.Time) answer {
	_ = c.SetReadDeadline(deadline)
	r := bufio.NewReader(c)
	var a answer
	line, err := r.ReadBytes('\n')
	if err != nil {
		a.closed = !isTimeout(err)
		return a
	}
	_ = json.Unmarshal(line, &a.resp)
	_, err = r.ReadByte()
	a.closed = err != nil && !isTimeout(err)
	return a
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// TestRPCConnectionCap: idle connections beyond the cap are answered with
// an error line and closed; the server holds at most MaxConns of them and
// a goroutine for each, and serves again once they are gone.
func TestRPCConnectionCap(t *testing.T) {
	a, addr := startRPCAgent(t, agent.RPCLimits{AuthTimeout: time.Minute})
	base := runtime.NumGoroutine()
	const n = 200
	var conns []net.Conn
	for range n {
		conns = append(conns, dial(t, addr))
	}
	// read all at once: a read after the deadline fails even with data
	deadline := time.Now().Add(3 * time.Second)
	answers := make([]answer, n)
	var wg sync.WaitGroup
	for i, c := range conns {
		wg.Go(func() { answers[i] = readAnswer(c, deadline) })
	}
	wg.Wait()
	busy := 0
	for _, ans := range answers {
		if ans.closed && strings.Contains(ans.resp.Error, "busy") {
			busy++
		}
	}
	if want := n - agent.DefaultRPCMaxConns; busy != want {
		t.Errorf("%d connections were refused with a busy error, want %d", busy, want)
	}
	if held := a.RPCConns(); held > agent.DefaultRPCMaxConns {
		t.Errorf("server holds %d connections, want at most %d", held, agent.DefaultRPCMaxConns)
	}
	if g := runtime.NumGoroutine() - base; g > agent.DefaultRPCMaxConns+16 {
		t.Errorf("%d more goroutines with %d idle connections, want at most %d", g, n, agent.DefaultRPCMaxConns+16)
	}
	for _, c := range conns {
		_ = c.Close()
	}
	agenttest.WaitFor(t, waitLong, func() (bool, string) {
		n := a.RPCConns()
		return n == 0, "connections still held"
	})
	cl, err := rpc.Dial(t.Context(), addr, token)
	if err != nil {
		t.Fatal(err)
	}
	defer cl.Close()
	if err := cl.Call(t.Context(), rpc.CmdMembers, nil, nil); err != nil {
		t.Errorf("members after the idle connections closed: %v", err)
	}
}

// TestRPCBytesBeforeAuth: connections that send 1 MiB without a newline
// and without authenticating make the agent hold a few KiB each, not the
// MiB: each gets an error line (or busy) and is closed.
func TestRPCBytesBeforeAuth(t *testing.T) {
	_, addr := startRPCAgent(t, agent.RPCLimits{AuthTimeout: time.Minute})
	const n = 80
	payload := bytes.Repeat([]byte("x"), 1<<20)
	before := heapInUse()
	answers := make([]answer, n)
	conns := make([]net.Conn, n)
	for i := range conns {
		conns[i] = dial(t, addr)
	}
	var wg sync.WaitGroup
	deadline := time.Now().Add(5 * time.Second)
	for i, c := range conns {
		wg.Go(func() {
			_ = c.SetWriteDeadline(deadline)
			_, _ = c.Write(payload) // fails once the server closes
			answers[i] = readAnswer(c, deadline)
		})
	}
	wg.Wait()
	grown := int64(heapInUse()) - int64(before)
	t.Logf("heap grew by %d KiB", grown>>10)
	if grown > 16<<20 {
		t.Errorf("heap grew by %d MiB under %d connections sending 1 MiB each, want under 16 MiB", grown>>20, n)
	}
	refused := 0
	for _, ans := range answers {
		if ans.closed && (strings.Contains(ans.resp.Error, "over the limit of 4 KiB") || strings.Contains(ans.resp.Error, "busy")) {
			refused++
		}
	}
	if refused != n {
		t.Errorf("%d of %d connections got an error line and were closed", refused, n)
	}
}

// TestRPCTokenCheckedFirst: before authentication every line, whatever
// it holds, gets the same token error and the connection is closed; an
// argument error is answered only to an authenticated client.
func TestRPCTokenCheckedFirst(t *testing.T) {
	_, addr := startRPCAgent(t, agent.RPCLimits{})
	const tokenError = "invalid or missing RPC token"
	for _, tc := range []struct {
		name, line, want string
	}{
		{name: "bad arguments", line: `{"seq":1,"command":"join","args":{"addrs":7}}`, want: tokenError},
		{name: "unknown command", line: `{"seq":2,"command":"nope"}`, want: tokenError},
		{name: "unknown field", line: `{"seq":3,"command":"members","x":1}`, want: tokenError},
		{name: "wrong token", line: `{"seq":4,"token":"guess","command":"members"}`, want: tokenError},
		{name: "garbage", line: "\x00\x01garbage", want: tokenError},
		{name: "empty line", line: "", want: tokenError},
		{name: "right token, bad arguments", line: `{"seq":5,"token":"s3cret","command":"join","args":{"addrs":7}}`, want: `bad arguments for "join"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			if _, err := io.WriteString(c, tc.line+"\n"); err != nil {
				t.Fatal(err)
			}
			var ans answer
			if tc.want == tokenError {
				ans = readAnswer(c, time.Now().Add(waitLong))
			} else { // authenticated: the connection stays open
				line, err := bufio.NewReader(c).ReadBytes('\n')
				if err != nil {
					t.Fatal(err)
				}
				_ = json.Unmarshal(line, &ans.resp)
			}
			if !strings.HasPrefix(ans.resp.Error, tc.want) {
				t.Errorf("answer %+v, want an error starting %q", ans.resp, tc.want)
			}
			if tc.want == tokenError && (!ans.closed || ans.resp.Hint == "") {
				t.Errorf("answer %+v closed=%v, want a hint and the connection closed", ans.resp, ans.closed)
			}
		})
	}
}

// TestRPCOversizeRequest: a request over the limit (4 KiB before
// authentication, 1 MiB after) gets an error line naming the limit, then
// the connection closes.
func TestRPCOversizeRequest(t *testing.T) {
	_, addr := startRPCAgent(t, agent.RPCLimits{})
	for _, tc := range []struct {
		name  string
		auth  bool
		size  int
		limit string
	}{
		{name: "before authentication", size: 5 << 10, limit: "over the limit of 4 KiB"},
		{name: "after authentication", auth: true, size: 1<<20 + 1, limit: "over the limit of 1 MiB"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := dial(t, addr)
			if tc.auth {
				if _, err := io.WriteString(c, `{"seq":1,"token":"s3cret","command":"auth"}`+"\n"); err != nil {
					t.Fatal(err)
				}
				line, err := bufio.NewReader(c).ReadString('\n')
				if err != nil || strings.Contains(line, "error") {
					t.Fatalf("auth: %q, %v", line, err)
				}
			}
			go func() { _, _ = c.Write(append(bytes.Repeat([]byte("x"), tc.size), '\n')) }()
			ans := readAnswer(c, time.Now().Add(waitLong))
			if !strings.Contains(ans.resp.Error, tc.limit) || !ans.closed {
				t.Errorf("answer %+v closed=%v, want an error saying %q, then the connection closed", ans.resp, ans.closed, tc.limit)
			}
		})
	}
}

// TestRPCIdleTimeouts: a connection that does not authenticate in time
// and an authenticated one that stays idle are closed; streams (journal
// -follow, monitor) outlive the idle timeout.
func TestRPCIdleTimeouts(t *testing.T) {
	a, addr := startRPCAgent(t, agent.RPCLimits{AuthTimeout: 200 * time.Millisecond, IdleTimeout: 500 * time.Millisecond})
	t.Run("unauthenticated", func(t *testing.T) {
		ans := readAnswer(dial(t, addr), time.Now().Add(waitLong))
		if !ans.closed || !strings.Contains(ans.resp.Error, "no request within") {
			t.Errorf("answer %+v closed=%v, want an error and the connection closed", ans.resp, ans.closed)
		}
	})
	t.Run("authenticated", func(t *testing.T) {
		c := dial(t, addr)
		if _, err := io.WriteString(c, `{"seq":1,"token":"s3cret","command":"members"}`+"\n"); err != nil {
			t.Fatal(err)
		}
		r := bufio.NewReader(c)
		if _, err := r.ReadString('\n'); err != nil {
			t.Fatal(err)
		}
		_ = c.SetReadDeadline(time.Now().Add(waitLong))
		if _, err := io.ReadAll(r); err != nil {
			t.Errorf("idle authenticated connection: %v, want it closed", err)
		}
	})
	streams := []struct {
		name    string
		command string
		args    any
		trigger func()
	}{
		{name: "journal -follow", command: rpc.CmdJournal, args: rpc.JournalArgs{Since: a.Journal().LastSeq(), Follow: true},
			trigger: func() { _ = a.UserEvent("late", nil, false) }},
		{name: "monitor", command: rpc.CmdMonitor, args: rpc.MonitorArgs{LogLevel: "info"},
			trigger: func() { _ = a.SetFault(agent.Fault{}) }},
	}
	for _, s := range streams {
		t.Run(s.name, func(t *testing.T) {
			cl, err := rpc.Dial(t.Context(), addr, token)
			if err != nil {
				t.Fatal(err)
			}
			defer cl.Close()
			items := make(chan struct{}, 64)
			go func() {
				_ = cl.Stream(t.Context(), s.command, s.args, func(json.RawMessage) error {
					items <- struct{}{}
					return nil
				})
				close(items)
			}()
			time.Sleep(1500 * time.Millisecond) // three idle timeouts with nothing to stream
			s.trigger()
			select {
			case _, ok := <-items:
				if !ok {
					t.Fatal("stream ended while idle")
				}
			case <-time.After(waitLong):
				t.Fatal("nothing streamed")
			}
		})
	}
}
