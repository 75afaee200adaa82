package runner

import (
	"bufio"
	"bytes"
	"io/fs"
	"path"
	"strconv"
	"strings"
)

// cgroupMemoryLimit returns the memory limit of the cgroup the process runs in, in bytes,
// or 0 when none is set: the smallest limit from the process's cgroup up to its
// hierarchy's root, cgroup v2 (memory.max) or v1 (memory.limit_in_bytes). fsys is the
// file system root ("/"), so that tests can fake one. A container whose limit is 512 MiB
// sees it here, where Go's runtime does not look.
func cgroupMemoryLimit(fsys fs.FS) int64 {
	procs, err := fs.ReadFile(fsys, "proc/self/cgroup")
	if err != nil {
		return 0
	}
	limit := int64(0)
	lower := func(n int64) {
		if n > 0 && (limit == 0 || n < limit) {
			limit = n
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(procs))
	for sc.Scan() {
		// hierarchy-ID:controllers:path; v2 is "0::/path", v1's memory line names "memory"
		fields := strings.SplitN(sc.Text(), ":", 3)
		if len(fields) != 3 {
			continue
		}
		switch {
		case fields[0] == "0" && fields[1] == "":
			for _, mount := range []string{"sys/fs/cgroup", "sys/fs/cgroup/unified"} {
				lower(walkLimit(fsys, mount, fields[2], "memory.max"))
			}
		case contains(strings.Split(fields[1], ","), "memory"):
			lower(walkLimit(fsys, "sys/fs/cgroup/memory", fields[2], "memory.limit_in_bytes"))
		}
	}
	return limit
}

// walkLimit reads file in the cgroup at mount/cgroupPath and in each parent up to mount,
// and returns the smallest limit found, or 0. In a container the path is often "/": the
// container's own cgroup is then the mount's root.
func walkLimit(fsys fs.FS, mount, cgroupPath, file string) int64 {
	limit := int64(0)
	dir := path.Clean("/" + cgroupPath)
	for {
		if n := parseLimit(fsys, path.Join(mount, dir, file)); n > 0 && (limit == 0 || n < limit) {
			limit = n
		}
		if dir == "/" {
			return limit
		}
		dir = path.Dir(dir)
	}
}

// parseLimit reads a limit file: a number of bytes, or "max" (v2) or a number near 2^63
// (v1) for none, which is 0 here.
func parseLimit(fsys fs.FS, name string) int64 {
	b, err := fs.ReadFile(fsys, name)
	if err != nil {
		return 0
	}
	n, err := strconv.ParseInt(strings.TrimSpace(string(b)), 10, 64)
	if err != nil || n <= 0 || n >= 1<<62 {
		return 0
	}
	return n
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
