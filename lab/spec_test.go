package lab

import (
	"strings"
	"testing"
)

func TestValidateQuotesLongValuesShortened(t *testing.T) {
	s := DefaultSpec()
	s.Name = strings.Repeat("X", 5<<20)
	s.Groups = []Group{{Name: strings.Repeat("g", 1<<20), Nodes: "web_1"}}
	err := SpecError(s.Validate(), nil, nil)
	if err == nil || len(err.Error()) > 1000 || !strings.Contains(err.Error(), "(5242880 bytes)") {
		t.Fatalf("error of %d bytes, want a short one naming the size:\n%.500v", len(err.Error()), err)
	}
}

func TestValidateTagsFitMemberlistsMetadata(t *testing.T) {
	s := DefaultSpec()
	s.Nodes = 3
	s.Groups = []Group{
		{Name: "a", Nodes: "web_[1-3]", Tags: map[string]string{"role": "web"}},
		{Name: "b", Nodes: "web_2", Tags: map[string]string{"x": strings.Repeat("v", 250), "y": strings.Repeat("w", 250)}},
	}
	errs := s.Validate()
	if len(errs) != 1 || errs[0].Field != `group "b" tags` || !strings.Contains(errs[0].Msg, "the tags of web_2 take up to") {
		t.Fatalf("got %v, want one error on group b's tags naming web_2", errs)
	}
	s.Groups[1].Tags = map[string]string{"x": strings.Repeat("v", 200)}
	if errs := s.Validate(); len(errs) != 0 {
		t.Fatalf("tags of 200 bytes refused: %v", errs)
	}
}
