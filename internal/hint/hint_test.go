package hint

import (
	"bytes"
	"errors"
	"fmt"
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestAll(t *testing.T) {
	base := Errorf("chmod 600 it", "key %s is readable by others", "k")
	wrapped := fmt.Errorf("provision web_1: %w", base)
	outer := Wrap(wrapped, "lab provision --force retries")
	joined := errors.Join(outer, Errorf("lab up boots it", "web_2 is halted"), Errorf("chmod 600 it", "again"))
	for _, tc := range []struct {
		name string
		err  error
		want []string
	}{
		{"none", errors.New("plain"), nil},
		{"one", base, []string{"chmod 600 it"}},
		{"through fmt.Errorf", wrapped, []string{"chmod 600 it"}},
		{"outermost first", outer, []string{"lab provision --force retries", "chmod 600 it"}},
		{"joined, each once", joined, []string{"lab provision --force retries", "chmod 600 it", "lab up boots it"}},
		{"nil", nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if diff := cmp.Diff(tc.want, All(tc.err)); diff != "" {
				t.Errorf("All (-want +got):\n%s", diff)
			}
		})
	}
	if Wrap(nil, "x") != nil || Wrap(base, "") != base {
		t.Error("Wrap of nil or with no hint must add nothing")
	}
	if base.Error() != "key k is readable by others" {
		t.Errorf("the message holds no hint: %q", base.Error())
	}
}

func TestPrint(t *testing.T) {
	var b bytes.Buffer
	Print(&b, "lab", Errorf("pass --force", "lab destroy wants a confirmation"))
	if want := "lab: lab destroy wants a confirmation\nhint: pass --force\n"; b.String() != want {
		t.Errorf("got %q, want %q", b.String(), want)
	}
}
