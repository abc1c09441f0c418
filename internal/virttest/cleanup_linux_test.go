package virttest

import "testing"

func TestCreator(t *testing.T) {
	for _, tc := range []struct {
		name string
		pid  int
		ok   bool
	}{
		{"box-123-abcdef", 123, true},
		{"box-123-abcde", 0, false},
		{"boxer-123-abcdef", 0, false},
		{"box-x-abcdef", 0, false},
		{"other-123-abcdef", 0, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			pid, ok := creator(tc.name, "box")
			if ok != tc.ok || (ok && pid != tc.pid) {
				t.Errorf("creator(%q) = %d, %v; want %d, %v", tc.name, pid, ok, tc.pid, tc.ok)
			}
		})
	}
}
