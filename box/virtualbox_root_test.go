package box

import (
	"archive/tar"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/gossiplab/gossiplab/internal/execx"
)

// TestBuildVirtualBoxBoxRoot checks the VirtualBox box, which cannot boot
// on this host (no VirtualBox): its files, the OVF's references to the
// VMDK, the checksums of box.mf, the VMDK's format, and that vagrant box
// add takes it.
func TestBuildVirtualBoxBoxRoot(t *testing.T) {
	needTools(t, "vagrant", "qemu-img")
	res := sharedBoxes(t)
	path := boxPath(t, res, VirtualBox)
	dir := t.TempDir()
	names := untar(t, path, dir)
	want := []string{"metadata.json", "Vagrantfile", "manifest.txt", "box.ovf", "box.mf", vmdkName}
	if diff := cmp.Diff(want, names); diff != "" {
		t.Fatalf("files (-want +got):\n%s", diff)
	}
	var meta map[string]any
	if data, _ := os.ReadFile(filepath.Join(dir, "metadata.json")); json.Unmarshal(data, &meta) != nil || meta["provider"] != "virtualbox" {
		t.Errorf("metadata.json: %s", data)
	}
	if vf, _ := os.ReadFile(filepath.Join(dir, "Vagrantfile")); !regexp.MustCompile(`config\.vm\.base_mac = "080027[0-9A-F]{6}"`).Match(vf) {
		t.Errorf("Vagrantfile without a base MAC:\n%s", vf)
	}
	checkOVF(t, dir, res.VirtualSize)
	checkManifestFile(t, dir)

	out, err := exec.Command("qemu-img", "info", "--output=json", filepath.Join(dir, vmdkName)).Output()
	if err != nil {
		t.Fatal(err)
	}
	var info struct {
		Format      string `json:"format"`
		VirtualSize int64  `json:"virtual-size"`
		Specific    struct {
			Data struct {
				CreateType string `json:"create-type"`
			} `json:"data"`
		} `json:"format-specific"`
	}
	if err := json.Unmarshal(out, &info); err != nil {
		t.Fatal(err)
	}
	if info.Format != "vmdk" || info.Specific.Data.CreateType != "streamOptimized" || info.VirtualSize != res.VirtualSize {
		t.Errorf("the disk is %s %s of %d bytes, want a streamOptimized vmdk of %d", info.Format, info.Specific.Data.CreateType, info.VirtualSize, res.VirtualSize)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	venv := vagrantEnv(t)
	if _, err := (execx.Exec{}).Run(ctx, execx.Cmd{Args: []string{"vagrant", "box", "add", "--name", DefaultName, path}, Env: venv}); err != nil {
		t.Fatal(err)
	}
	list, err := (execx.Exec{}).Run(ctx, execx.Cmd{Args: []string{"vagrant", "box", "list"}, Env: venv})
	if err != nil || !regexp.MustCompile(`gossiplab/bookworm\s+\(virtualbox, 0`).Match(list) {
		t.Errorf("vagrant box list: %s %v", list, err)
	}
}

// checkOVF checks that box.ovf names the VMDK, its size and the disk's
// capacity, and that the disk hangs on the IDE controller.
func checkOVF(t *testing.T, dir string, capacity int64) {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(dir, "box.ovf"))
	if err != nil {
		t.Fatal(err)
	}
	var env struct {
		Files []struct {
			ID   string `xml:"id,attr"`
			Href string `xml:"href,attr"`
			Size int64  `xml:"size,attr"`
		} `xml:"References>File"`
		Disks []struct {
			DiskID   string `xml:"diskId,attr"`
			FileRef  string `xml:"fileRef,attr"`
			Capacity int64  `xml:"capacity,attr"`
			Format   string `xml:"format,attr"`
		} `xml:"DiskSection>Disk"`
		Items []struct {
			ResourceType int    `xml:"ResourceType"`
			SubType      string `xml:"ResourceSubType"`
			HostResource string `xml:"HostResource"`
		} `xml:"VirtualSystem>VirtualHardwareSection>Item"`
	}
	if err := xml.Unmarshal(data, &env); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, vmdkName))
	if err != nil {
		t.Fatal(err)
	}
	if len(env.Files) != 1 || env.Files[0].Href != vmdkName || env.Files[0].Size != fi.Size() {
		t.Errorf("References: %+v, want %s of %d bytes", env.Files, vmdkName, fi.Size())
	}
	if len(env.Disks) != 1 || env.Disks[0].FileRef != env.Files[0].ID || env.Disks[0].Capacity != capacity || !strings.HasSuffix(env.Disks[0].Format, "#streamOptimized") {
		t.Errorf("DiskSection: %+v", env.Disks)
	}
	got := map[int]string{}
	for _, it := range env.Items {
		got[it.ResourceType] = it.SubType + it.HostResource
	}
	want := map[int]string{3: "", 4: "", 5: "PIIX4", 10: "virtio-net", 17: "/disk/" + env.Disks[0].DiskID}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("hardware items (-want +got):\n%s", diff)
	}
}

// checkManifestFile checks box.mf's SHA256 lines against the files.
func checkManifestFile(t *testing.T, dir string) {
	t.Helper()
	mf, err := os.ReadFile(filepath.Join(dir, "box.mf"))
	if err != nil {
		t.Fatal(err)
	}
	lines := regexp.MustCompile(`(?m)^SHA256\(([^)]+)\)= ([0-9a-f]{64})$`).FindAllStringSubmatch(string(mf), -1)
	if len(lines) != 2 {
		t.Fatalf("box.mf:\n%s", mf)
	}
	for _, l := range lines {
		data, err := os.ReadFile(filepath.Join(dir, l[1]))
		if err != nil {
			t.Fatal(err)
		}
		if sum := sha256.Sum256(data); hex.EncodeToString(sum[:]) != l[2] {
			t.Errorf("box.mf: the SHA256 of %s is wrong", l[1])
		}
	}
}

// untar extracts a .box into dir and returns its entries in order.
func untar(t *testing.T, path, dir string) []string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	tr := tar.NewReader(zr)
	var names []string
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return names
		}
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(h.Name, "/") {
			t.Fatalf("entry %q in a subdirectory", h.Name)
		}
		names = append(names, h.Name)
		if err := writeFrom(filepath.Join(dir, h.Name), tr); err != nil {
			t.Fatal(err)
		}
	}
}

func writeFrom(path string, r io.Reader) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := io.Copy(f, r); err != nil {
		f.Close()
		return fmt.Errorf("extract %s: %w", path, err)
	}
	return f.Close()
}
