package catalogue

import (
	"strings"
	"testing"
)

func TestEmbeddedCatalogueParses(t *testing.T) {
	c := Default()
	if len(c) < 28 {
		t.Fatalf("%d requirements, want at least the 28 of the starting set", len(c))
	}
	r, ok := c.Lookup("C2")
	if !ok || r.Level != MUST || r.Area != "callid" || !strings.Contains(r.Text, "InvalidCallIdException") {
		t.Errorf("C2 = %+v", r)
	}
	if r, _ := c.Lookup("S3"); r.Level != SHOULD {
		t.Errorf("S3 level %s, want SHOULD", r.Level)
	}
}

func TestParseReportsEveryProblem(t *testing.T) {
	bad := "id\tlevel\tarea\trequirement\tsource\tuntestable\n" +
		"A1\tMUST\ttransport\ttext\tsrc\n" +
		"A1\tMUST\ttransport\ttext\tsrc\n" +
		"A2\tOUGHT\ttransport\ttext\tsrc\n" +
		"A/3\tMUST\tnowhere\ttext\tsrc\n" +
		"A4\tMUST\ttransport\ttext\n" +
		"A5\tMUST\ttransport\ttext\tsrc\twhy\textra\n"
	_, err := Parse([]byte(bad))
	if err == nil {
		t.Fatal("accepted")
	}
	for _, want := range []string{"line 3: id A1 appears twice", `level "OUGHT"`, `id "A/3"`, `area "nowhere"`, "line 6: 4 columns", "line 7: 7 columns"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error lacks %q:\n%v", want, err)
		}
	}
}
