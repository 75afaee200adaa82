package runner

import (
	"cmp"
	"fmt"
	"io"
	"os"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/onsi/ginkgo/v2"
	"github.com/onsi/ginkgo/v2/types"

	"github.com/umconform/umconform/internal/plural"
	"github.com/umconform/umconform/internal/progress"
	"github.com/umconform/umconform/internal/termsafe"
)

// A run on a non-terminal says what it waits for ciFirst after it starts, then every
// ciEvery: a CI log that shows nothing for two minutes reads as a hung job, and a run of
// half a minute, as a default run against a real target is, shows three such lines.
const (
	ciFirst = 5 * time.Second
	ciEvery = 10 * time.Second
)

// console is the progress a run prints as its specs run. On a terminal it is one status
// line, rewritten in place: specs done out of all, the calls being followed with their last
// state and age, and the check being waited for. Elsewhere (a CI log, a file) it is a line
// of marks, one per spec ("•" passed, "F" did not pass), broken while the run lasts, after
// ciFirst and then every ciEvery, by a line saying the same as the status line.
type console struct {
	w        io.Writer // what the marks and lines go to: escaped for a non-terminal
	raw      io.Writer // the terminal itself, for the status line's controls
	terminal bool
	width    int           // the terminal's columns
	first    time.Duration // the first line's delay; every when zero
	every    time.Duration
	tracker  *progress.Tracker

	mu                  sync.Mutex
	total, done, failed int
	current             string // the check running now, as Ginkgo names it
	started             time.Time
	stop                chan struct{}
	stopped             sync.WaitGroup
	inMarks             bool // the marks' line is open
}

// newConsole prints the progress of a run to stdout; raw is stdout unescaped, a terminal
// when it is one.
func newConsole(stdout, raw io.Writer, tracker *progress.Tracker) *console {
	c := &console{w: stdout, raw: raw, first: ciFirst, every: ciEvery, tracker: tracker}
	if f, ok := raw.(*os.File); ok && os.Getenv("TERM") != "dumb" {
		c.width, c.terminal = terminalWidth(f)
	}
	return c
}

// register declares the Ginkgo report nodes that feed the console: call it before RunSpecs.
func (c *console) register() {
	ginkgo.ReportBeforeSuite(func(r ginkgo.Report) { c.begin(r.PreRunStats.SpecsThatWillRun) })
	ginkgo.ReportBeforeEach(func(s ginkgo.SpecReport) { c.specStarts(s.LeafNodeText) })
	ginkgo.ReportAfterEach(func(s ginkgo.SpecReport) {
		switch {
		case s.State.Is(types.SpecStatePassed):
			c.specEnds(false)
		case s.State.Is(types.SpecStateFailureStates):
			c.specEnds(true)
		} // not run (left out or never reached): no mark
	})
	ginkgo.ReportAfterSuite("umconform progress", func(r ginkgo.Report) {
		c.end(r.RunTime)
		for _, reason := range r.SpecialSuiteFailureReasons {
			fmt.Fprintf(c.w, "The run ended early: %s\n", reason)
		}
	})
}

func (c *console) begin(total int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.total, c.started, c.stop = total, time.Now(), make(chan struct{})
	if c.terminal {
		c.status()
	} else {
		fmt.Fprintf(c.w, "Running %s: ", plural.Count(total, "spec"))
		c.inMarks = true
	}
	wait, every := cmp.Or(c.first, c.every), c.every
	if c.terminal {
		wait, every = time.Second, time.Second // the ages of the calls shown move on
	}
	c.stopped.Add(1)
	go func() {
		defer c.stopped.Done()
		next := time.NewTimer(wait)
		defer next.Stop()
		for {
			select {
			case <-c.stop:
				return
			case <-next.C:
				c.tick()
				next.Reset(every)
			}
		}
	}()
}

func (c *console) specStarts(name string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.current = name
}

func (c *console) specEnds(failed bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done++
	if failed {
		c.failed++
	}
	c.current = ""
	if c.terminal {
		c.status()
		return
	}
	c.inMarks = true
	mark := "•"
	if failed {
		mark = "F"
	}
	io.WriteString(c.w, mark)
}

func (c *console) tick() {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.terminal {
		c.status()
		return
	}
	if c.inMarks {
		io.WriteString(c.w, "\n")
	}
	fmt.Fprintf(c.w, "  [%s] %s\n", time.Since(c.started).Round(time.Second), c.summary(false))
	c.inMarks = false
}

func (c *console) end(took time.Duration) {
	c.mu.Lock()
	if c.stop != nil {
		close(c.stop)
	}
	c.mu.Unlock()
	c.stopped.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.terminal {
		line := fmt.Sprintf("Ran %s: %d passed", plural.Count(c.total, "spec"), c.done-c.failed)
		if c.failed > 0 {
			line += fmt.Sprintf(", %d did not pass", c.failed)
		}
		fmt.Fprintf(c.raw, "\r%s\x1b[K %.1fs\n", line, took.Seconds())
		return
	}
	fmt.Fprintf(c.w, " %.1fs\n", took.Seconds())
}

// summary says how far the run is and what it waits for, in one line; compact is the
// terminal's shorter form of it.
func (c *console) summary(compact bool) string {
	var b strings.Builder
	if compact {
		fmt.Fprintf(&b, "%d/%d specs", c.done, c.total)
	} else {
		fmt.Fprintf(&b, "%d of %d specs done", c.done, c.total)
	}
	if c.failed > 0 {
		fmt.Fprintf(&b, " (%d did not pass)", c.failed)
	}
	calls := c.tracker.Calls()
	if len(calls) > 0 {
		fmt.Fprintf(&b, "; following %s:", plural.Count(len(calls), "call"))
		for i, call := range calls {
			if i > 0 {
				b.WriteString(",")
			}
			age := call.For.Round(time.Second).String()
			if !compact {
				age = "for " + age
			}
			fmt.Fprintf(&b, " %s %s %s %s", call.API, call.Dial, call.State, age)
		}
	}
	switch {
	case c.current != "":
		fmt.Fprintf(&b, "; waiting for: %s", c.current)
	case len(calls) > 0:
		b.WriteString("; waiting for the calls to end")
	}
	return termsafe.Escape(b.String())
}

// status rewrites the terminal's status line, cut to its width: a line that wrapped would
// leave its first rows behind at every rewrite.
func (c *console) status() {
	line := c.summary(true)
	if max := c.width - 1; max > 0 && utf8.RuneCountInString(line) > max {
		r := []rune(line)
		line = string(r[:max-1]) + "…"
	}
	fmt.Fprintf(c.raw, "\r%s\x1b[K", line)
}
