package provision

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/hashicorp/go-version"
)

func TestDecide(t *testing.T) {
	v := version.Must(version.NewVersion("0.2.0"))
	older := version.Must(version.NewVersion("0.1.0"))
	newer := version.Must(version.NewVersion("0.3.0"))
	d := desired{version: v, binarySum: "bin", configSum: "conf", serviceSum: "svc"}
	current := Facts{Installed: v, BinarySum: "bin", ConfigSum: "conf", ServiceSum: "svc", Running: true}
	with := func(change func(*Facts)) *Facts {
		f := current
		change(&f)
		return &f
	}
	tests := []struct {
		name  string
		facts *Facts
		d     desired
		force bool
		want  plan
	}{
		{"fresh node", &Facts{}, d, false, plan{action: ActionInstalled, binary: true, config: true, service: true, restart: true}},
		{"all the same", &current, d, false, plan{action: ActionUnchanged, installedVer: v}},
		{"same but stopped", with(func(f *Facts) { f.Running = false }), d, false, plan{action: ActionStarted, restart: true, installedVer: v}},
		{"older version", with(func(f *Facts) { f.Installed, f.BinarySum = older, "old" }), d, false,
			plan{action: ActionUpgraded, binary: true, restart: true, installedVer: older}},
		{"newer version left alone", with(func(f *Facts) { f.Installed, f.BinarySum = newer, "new" }), d, false,
			plan{action: ActionKeptNewer, keptNewer: true, installedVer: newer}},
		{"newer version forced", with(func(f *Facts) { f.Installed, f.BinarySum = newer, "new" }), d, true,
			plan{action: ActionUpgraded, binary: true, restart: true, installedVer: newer}},
		{"same version other build kept", with(func(f *Facts) { f.BinarySum = "rebuilt" }), d, false, plan{action: ActionUnchanged, installedVer: v}},
		{"unknown bundle version, other sha", with(func(f *Facts) { f.BinarySum = "other" }), desired{binarySum: "bin", configSum: "conf", serviceSum: "svc"}, false,
			plan{action: ActionUpgraded, binary: true, restart: true, installedVer: v}},
		{"config changed", with(func(f *Facts) { f.ConfigSum = "old" }), d, false, plan{action: ActionReconfigured, config: true, restart: true, installedVer: v}},
		{"service changed", with(func(f *Facts) { f.ServiceSum = "old" }), d, false, plan{action: ActionReconfigured, service: true, restart: true, installedVer: v}},
		{"serf has no config file", with(func(f *Facts) { f.ConfigSum = "" }), desired{version: v, binarySum: "bin", serviceSum: "svc"}, false,
			plan{action: ActionUnchanged, installedVer: v}},
		{"rc.local entry missing", &current, desired{version: v, binarySum: "bin", configSum: "conf", serviceSum: "svc", rcLocal: true}, false,
			plan{action: ActionReconfigured, rcLocal: true, installedVer: v}},
		{"switched back, other flavour running", with(func(f *Facts) { f.Running, f.Other = false, []string{"running", "rclocal"} }), d, false,
			plan{action: ActionReconfigured, restart: true, retire: true, installedVer: v}},
		{"both running", with(func(f *Facts) { f.Other = []string{"systemd-active"} }), d, false,
			plan{action: ActionReconfigured, retire: true, installedVer: v}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := decide(tt.facts, tt.d, tt.force)
			if diff := cmp.Diff(tt.want, got, cmp.AllowUnexported(plan{}), cmp.Comparer(func(a, b *version.Version) bool {
				return (a == nil && b == nil) || (a != nil && b != nil && a.Equal(b))
			})); diff != "" {
				t.Errorf("plan (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDecideUnhashedBinary(t *testing.T) {
	v := version.Must(version.NewVersion("0.2.0"))
	d := desired{version: v, binarySum: "bin", configSum: "conf", serviceSum: "svc"}
	f := &Facts{Installed: v, BinarySum: "present", ConfigSum: "conf", ServiceSum: "svc", Running: true}
	if got := decide(f, d, false); got.action != ActionUnchanged {
		t.Errorf("same version, unhashed binary: %s", got.action)
	}
	f.Installed = version.Must(version.NewVersion("0.1.0"))
	if got := decide(f, d, false); got.action != ActionUpgraded {
		t.Errorf("older version, unhashed binary: %s", got.action)
	}
}

func TestReleaseVersionJudgedByConstraint(t *testing.T) {
	c, err := version.NewConstraint(">= 0.8, < 0.11")
	if err != nil {
		t.Fatal(err)
	}
	v := func(s string) *version.Version { return version.Must(version.NewVersion(s)) }
	tests := []struct {
		name             string
		reported, module *version.Version
		want             string
		meets            bool
	}{
		{"release build", v("0.10.1"), nil, "0.10.1", true},
		{"dev build without build info", v("0.8.2-dev"), nil, "0.8.2", true},
		{"go install serf@v0.10.2 reports 0.8.2-dev", v("0.8.2-dev"), v("v0.10.2"), "0.10.2", true},
		{"go install serf@v0.11.0", v("0.11.0"), v("v0.11.0"), "0.11.0", false},
		{"pseudo-version", v("0.8.2-dev"), v("v0.10.3-0.20240101000000-abcdef123456"), "0.10.3", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := releaseVersion(tt.reported, tt.module)
			if got.String() != tt.want || c.Check(got) != tt.meets {
				t.Errorf("releaseVersion = %s (meets %v), want %s (meets %v)", got, c.Check(got), tt.want, tt.meets)
			}
		})
	}
}
