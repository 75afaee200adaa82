package runner

import (
	"testing"
	"testing/fstest"
)

func TestCgroupMemoryLimit(t *testing.T) {
	file := func(s string) *fstest.MapFile { return &fstest.MapFile{Data: []byte(s)} }
	tests := []struct {
		name  string
		files fstest.MapFS
		want  int64
	}{
		{"no cgroup file", fstest.MapFS{}, 0},
		{"v2 container, 512 MiB", fstest.MapFS{
			"proc/self/cgroup":            file("0::/\n"),
			"sys/fs/cgroup/memory.max":    file("536870912\n"),
			"sys/fs/cgroup/cgroup.procs":  file("1\n"),
			"sys/fs/cgroup/memory.high":   file("max\n"),
			"sys/fs/cgroup/unrelated.max": file("12\n"),
		}, 512 << 20},
		{"v2 without a limit", fstest.MapFS{
			"proc/self/cgroup":         file("0::/\n"),
			"sys/fs/cgroup/memory.max": file("max\n"),
		}, 0},
		{"v2 nested: the parent's smaller limit holds", fstest.MapFS{
			"proc/self/cgroup":                         file("0::/ci/job\n"),
			"sys/fs/cgroup/ci/job/memory.max":          file("max\n"),
			"sys/fs/cgroup/ci/memory.max":              file("1073741824\n"),
			"sys/fs/cgroup/memory.max":                 file("max\n"),
			"sys/fs/cgroup/ci/job/memory.swap.max":     file("0\n"),
			"sys/fs/cgroup/ci/job/memory.max.unrelate": file("1\n"),
		}, 1 << 30},
		{"v2 nested: the job's own smaller limit holds", fstest.MapFS{
			"proc/self/cgroup":                file("0::/ci/job\n"),
			"sys/fs/cgroup/ci/job/memory.max": file("268435456\n"),
			"sys/fs/cgroup/ci/memory.max":     file("1073741824\n"),
		}, 256 << 20},
		{"v1 hybrid, limited", fstest.MapFS{
			"proc/self/cgroup": file("9:name=systemd:/\n4:memory:/ci/job\n3:cpuset:/\n0::/\n"),
			"sys/fs/cgroup/memory/ci/job/memory.limit_in_bytes": file("536870912\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":        file("9223372036854771712\n"),
		}, 512 << 20},
		{"v1 unlimited", fstest.MapFS{
			"proc/self/cgroup": file("4:memory:/session\n0::/\n"),
			"sys/fs/cgroup/memory/session/memory.limit_in_bytes": file("9223372036854771712\n"),
			"sys/fs/cgroup/memory/memory.limit_in_bytes":         file("9223372036854771712\n"),
		}, 0},
		{"v1 with controllers joined", fstest.MapFS{
			"proc/self/cgroup": file("5:cpu,memory:/x\n"),
			"sys/fs/cgroup/memory/x/memory.limit_in_bytes": file("700000000"),
		}, 700000000},
		{"garbage", fstest.MapFS{
			"proc/self/cgroup":         file("nonsense\n0::/\n::\n"),
			"sys/fs/cgroup/memory.max": file("lots\n"),
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := cgroupMemoryLimit(tt.files); got != tt.want {
				t.Errorf("got %d, want %d", got, tt.want)
			}
		})
	}
}
