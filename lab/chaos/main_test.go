package chaos

import (
	"fmt"
	"net"
	"os"
	"strconv"
	"testing"
	"time"
)

// helperEnv makes the test binary act as a tiny UDP or TCP sender or
// receiver, started inside a test's own network namespace by `ip netns
// exec`.
const helperEnv = "GLCHAOS_UDP_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(helperEnv); mode != "" {
		os.Exit(udpHelper(mode, os.Args[len(os.Args)-2], os.Args[len(os.Args)-1]))
	}
	os.Exit(m.Run())
}

// udpHelper: "recv ADDR N" prints "ready", then counts datagrams until N
// arrived or nothing came for 1s (at most 10s), and prints the count.
// "send ADDR N" sends N datagrams 1ms apart. "tcprecv" and "tcpsend" do
// the same with TCP connections (each dial given 300ms).
func udpHelper(mode, addr, count string) int {
	n, err := strconv.Atoi(count)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	switch mode {
	case "recv":
		pc, err := net.ListenPacket("udp4", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer pc.Close()
		fmt.Println("ready")
		got, buf, hard := 0, make([]byte, 64), time.Now().Add(10*time.Second)
		for got < n && time.Now().Before(hard) {
			_ = pc.SetReadDeadline(time.Now().Add(time.Second))
			if _, _, err := pc.ReadFrom(buf); err != nil {
				break
			}
			got++
		}
		fmt.Println(got)
		return 0
	case "send":
		c, err := net.Dial("udp4", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer c.Close()
		for i := range n {
			_, _ = c.Write([]byte(strconv.Itoa(i))) // a refused or dropped send is what we measure
			time.Sleep(time.Millisecond)
		}
		return 0
	case "tcprecv":
		ln, err := net.Listen("tcp4", addr)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer ln.Close()
		fmt.Println("ready")
		got, hard := 0, time.Now().Add(10*time.Second)
		for got < n && time.Now().Before(hard) {
			_ = ln.(*net.TCPListener).SetDeadline(time.Now().Add(time.Second))
			c, err := ln.Accept()
			if err != nil {
				break
			}
			c.Close()
			got++
		}
		fmt.Println(got)
		return 0
	case "tcpsend":
		for range n {
			if c, err := net.DialTimeout("tcp4", addr, 300*time.Millisecond); err == nil {
				c.Close() // a dial that times out is what we measure
			}
		}
		return 0
	}
	return 2
}
