package box

import (
	"regexp"
	"testing"
)

func TestLayout(t *testing.T) {
	l := newLayout(DefaultName, 8<<30)
	if l.bootOff != 1<<20 || l.rootOff != l.bootOff+l.bootLen || l.rootOff+l.rootLen != l.size {
		t.Errorf("partitions do not tile the disk: %+v", l)
	}
	if !regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-a[0-9a-f]{3}-[0-9a-f]{12}$`).MatchString(l.rootUUID) {
		t.Errorf("root UUID %q is not a version 4 UUID", l.rootUUID)
	}
	if !regexp.MustCompile(`^[0-9A-F]{4}-[0-9A-F]{4}$`).MatchString(l.bootSerialUUID()) {
		t.Errorf("FAT serial %q", l.bootSerialUUID())
	}
	if other := newLayout("someone/else", 8<<30); other.rootUUID == l.rootUUID || other.labelID == l.labelID {
		t.Error("two box names share identifiers")
	}
	want := "label: dos\nlabel-id: " + l.labelID + "\nunit: sectors\n\nstart=2048, size=262144, type=e, bootable\nstart=264192, size=16513024, type=83\n"
	if got := l.sfdiskScript(); got != want {
		t.Errorf("sfdisk script:\n%s\nwant:\n%s", got, want)
	}
}
