package chaos

import (
	"fmt"
	"io"
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
// arrived or, once its standard input closed (the sender is done),
// nothing more came (at most 10s), and prints the count. "send ADDR N"
// sends N datagrams 1ms apart. "tcprecv" and "tcpsend" do the same with
// TCP connections (each dial given 300ms). The receiver does not time the
// sender: on a loaded host, starting the sender can take seconds.
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
		buf := make([]byte, 64)
		fmt.Println(countUntilQuiet(n, func(d time.Time) error {
			_ = pc.SetReadDeadline(d)
			_, _, err := pc.ReadFrom(buf)
			return err
		}))
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
		fmt.Println(countUntilQuiet(n, func(d time.Time) error {
			_ = ln.(*net.TCPListener).SetDeadline(d)
			c, err := ln.Accept()
			if err == nil {
				c.Close()
			}
			return err
		}))
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

// countUntilQuiet counts the datagrams or connections that take (given a
// deadline) receives, until n arrived, or until standard input is closed
// and then nothing more arrives for 200ms; at most 10s in all.
func countUntilQuiet(n int, take func(deadline time.Time) error) int {
	senderDone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(senderDone)
	}()
	got, hard, quietFrom := 0, time.Now().Add(10*time.Second), time.Time{}
	for got < n && time.Now().Before(hard) {
		if take(time.Now().Add(50*time.Millisecond)) == nil {
			got, quietFrom = got+1, time.Time{}
			continue
		}
		select {
		case <-senderDone:
			if quietFrom.IsZero() {
				quietFrom = time.Now()
			} else if time.Since(quietFrom) >= 200*time.Millisecond {
				return got
			}
		default:
		}
	}
	return got
}
