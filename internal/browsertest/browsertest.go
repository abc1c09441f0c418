// Package browsertest opens an HTML file in headless Chromium for tests
// (Debian's package chromium, which CI installs): it returns a
// screenshot, the DOM after loading and every console message, and
// finds the coloured bands of a screenshot, the plots of a page of dark
// text. The browser runs with a throw-away profile and every network
// feature it can switch off.
package browsertest

import (
	"bytes"
	"context"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Page is what Chromium made of a file.
type Page struct {
	Screenshot image.Image
	DOM        string
	// Console holds the console messages and failed loads Chromium
	// logged: a page without script that loads nothing has none.
	Console []string
}

// Chromium returns the path of the browser, or "" when it is missing.
func Chromium() string {
	for _, name := range []string{"chromium", "chromium-browser"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// Open renders file in a window of w x h CSS pixels and returns the
// screenshot, DOM and console. It skips t when Chromium is not installed
// (CI installs it: there the test runs).
func Open(t testing.TB, file string, w, h int) Page {
	t.Helper()
	bin := Chromium()
	if bin == "" {
		t.Skip("chromium is not installed (apt-get install chromium)")
	}
	abs, err := filepath.Abs(file)
	if err != nil {
		t.Fatal(err)
	}
	tmp := t.TempDir()
	shot := filepath.Join(tmp, "screenshot.png")
	args := []string{
		"--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
		"--disable-background-networking", "--disable-component-update", "--disable-sync",
		"--disable-dev-shm-usage", "--hide-scrollbars", "--force-device-scale-factor=1",
		"--user-data-dir=" + filepath.Join(tmp, "profile"),
		"--enable-logging=stderr", "--v=0",
		"--window-size=" + strconv.Itoa(w) + "," + strconv.Itoa(h),
		"--screenshot=" + shot, "--dump-dom", "file://" + abs,
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	// Chromium starts helpers: its own process group, all killed if it
	// hangs.
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("chromium %s: %v\n%s", strings.Join(args, " "), err, tail(stderr.String(), 30))
	}
	f, err := os.Open(shot)
	if err != nil {
		t.Fatalf("chromium wrote no screenshot: %v\n%s", err, tail(stderr.String(), 30))
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("screenshot: %v", err)
	}
	p := Page{Screenshot: img, DOM: stdout.String()}
	// What --enable-logging=stderr prints for a console message or a
	// failed load.
	consoleLine := regexp.MustCompile(`:CONSOLE[:(]|net::ERR_`)
	for _, l := range strings.Split(stderr.String(), "\n") {
		if consoleLine.MatchString(l) {
			p.Console = append(p.Console, l)
		}
	}
	return p
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimSpace(s), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}

// Bands returns the horizontal bands of img whose rows hold coloured
// (saturated) pixels, rows less than gap apart joined, each at least
// minHeight rows high: on a page of dark text and grey rules, the plots
// (a figure's caption links may join its band).
func Bands(img image.Image, gap, minHeight int) []image.Rectangle {
	b := img.Bounds()
	var out []image.Rectangle
	start, last := -1, -1
	flush := func() {
		if start >= 0 && last+1-start >= minHeight {
			out = append(out, image.Rect(b.Min.X, start, b.Max.X, last+1))
		}
		start = -1
	}
	for y := b.Min.Y; y < b.Max.Y; y++ {
		if Coloured(img, image.Rect(b.Min.X, y, b.Max.X, y+1)) == 0 {
			continue
		}
		if start >= 0 && y-last > gap {
			flush()
		}
		if start < 0 {
			start = y
		}
		last = y
	}
	flush()
	return out
}

// Coloured counts the saturated pixels of img in r.
func Coloured(img image.Image, r image.Rectangle) int {
	n := 0
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			if saturated(img, x, y) {
				n++
			}
		}
	}
	return n
}

func saturated(img image.Image, x, y int) bool {
	r, g, bl, _ := img.At(x, y).RGBA()
	hi, lo := max(r, g, bl), min(r, g, bl)
	return hi-lo > 0x3000
}

// Variance is the variance of the grey level of img's pixels in r, 0 for
// a blank area.
func Variance(img image.Image, r image.Rectangle) float64 {
	var sum, sq, n float64
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, _ := img.At(x, y).RGBA()
			v := float64(cr+cg+cb) / 3 / 65535
			sum += v
			sq += v * v
			n++
		}
	}
	if n == 0 {
		return 0
	}
	m := sum / n
	return sq/n - m*m
}

// CheckReport checks a rendered report page: figures inline SVG elements, no
// script or external resource, and as many plots visible as coloured,
// non-blank bands in the screenshot.
func CheckReport(t testing.TB, page Page, figures int) {
	t.Helper()
	if len(page.Console) > 0 {
		t.Errorf("console:\n%s", strings.Join(page.Console, "\n"))
	}
	if n := strings.Count(page.DOM, "<svg"); n != figures {
		t.Errorf("DOM holds %d <svg> figures, want %d", n, figures)
	}
	if n := strings.Count(page.DOM, "<figure"); n != figures {
		t.Errorf("DOM holds %d <figure> elements, want %d", n, figures)
	}
	for _, bad := range []string{"<script", "<link", " src=", "http://", "https://", "@import", "url("} {
		if strings.Contains(page.DOM, bad) && !(bad == "http://" && onlyNamespaces(page.DOM)) {
			t.Errorf("page holds %q: it must load nothing", bad)
		}
	}
	bands := Bands(page.Screenshot, 30, 150)
	if len(bands) != figures {
		t.Errorf("screenshot shows %d plot bands, want %d: %v", len(bands), figures, bands)
	}
	for _, b := range bands {
		if v, n := Variance(page.Screenshot, b), Coloured(page.Screenshot, b); v < 0.001 || n < 500 {
			t.Errorf("plot band %v looks blank: grey variance %.4f, %d coloured pixels", b, v, n)
		}
	}
}

// onlyNamespaces reports whether every http:// in dom is an XML
// namespace of an SVG element (not something to load).
func onlyNamespaces(dom string) bool {
	for _, ns := range []string{`"http://www.w3.org/2000/svg"`, `"http://www.w3.org/1999/xlink"`} {
		dom = strings.ReplaceAll(dom, ns, "")
	}
	return !strings.Contains(dom, "http://")
}
