package e2e

import (
	"debug/elf"
	"encoding/binary"
	"testing"
)

// TestStaticBinaryBuildIDs: what docs/DIST.md says of make dist's binary. It carries no Go
// build ID (`-buildid=`), and the build ID that `file` shows is GNU ld's: a SHA-1 note the
// linker computes from the output, so two builds of the same bytes carry the same one.
func TestStaticBinaryBuildIDs(t *testing.T) {
	f, err := elf.Open(distBinary(t))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if s := f.Section(".note.go.buildid"); s != nil {
		t.Errorf("the static binary has a Go build ID note (%d bytes); docs/DIST.md says -buildid= leaves none", s.Size)
	}
	s := f.Section(".note.gnu.build-id")
	if s == nil {
		t.Fatal("the static binary has no GNU build ID note, which `file` shows as BuildID[sha1] and docs/DIST.md describes")
	}
	note, err := s.Data()
	if err != nil || len(note) < 16 {
		t.Fatalf("reading the GNU build ID note: %v (%d bytes)", err, len(note))
	}
	// An ELF note: name size, descriptor size, type (3: NT_GNU_BUILD_ID), "GNU\0", the ID.
	namesz, descsz, typ := binary.LittleEndian.Uint32(note), binary.LittleEndian.Uint32(note[4:]), binary.LittleEndian.Uint32(note[8:])
	if namesz != 4 || string(note[12:16]) != "GNU\x00" || typ != 3 || descsz != 20 {
		t.Errorf("the GNU build ID note is name %d %q, type %d, %d bytes; want GNU, type 3, a 20-byte SHA-1", namesz, note[12:16], typ, descsz)
	}
}
