package notebooks

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// memoryBudgetMiB is what a notebook may use at its default settings: a learner's
// laptop has 8 GB, and the browser, the editor and the system want the rest.
const memoryBudgetMiB = 2048

// watchMemory samples, every 100 ms until the process pid exits, the resident memory
// of pid and all its descendants (Jupyter, the GoNB kernel, the cell's program), and
// sends the peak in MiB when it is gone. Linux only (/proc); elsewhere it reports 0.
func watchMemory(pid int) <-chan int {
	peak := make(chan int, 1)
	go func() {
		max := 0
		for {
			rss, alive := treeRSS(pid)
			if !alive {
				break
			}
			if rss > max {
				max = rss
			}
			time.Sleep(100 * time.Millisecond)
		}
		peak <- max >> 10
	}()
	return peak
}

// treeRSS sums VmRSS (KiB) over pid and its descendants, and says whether pid runs.
func treeRSS(pid int) (kib int, alive bool) {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return 0, false
	}
	parent := map[int]int{}
	rss := map[int]int{}
	for _, e := range entries {
		p, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		status, err := os.ReadFile(filepath.Join("/proc", e.Name(), "status"))
		if err != nil {
			continue
		}
		for _, line := range strings.Split(string(status), "\n") {
			f := strings.Fields(line)
			switch {
			case len(f) >= 2 && f[0] == "PPid:":
				parent[p], _ = strconv.Atoi(f[1])
			case len(f) >= 2 && f[0] == "VmRSS:":
				rss[p], _ = strconv.Atoi(f[1])
			case len(f) >= 2 && f[0] == "State:" && f[1] == "Z":
				rss[p] = 0 // a zombie holds no memory
			}
		}
	}
	if _, ok := parent[pid]; !ok {
		return 0, false
	}
	for p, r := range rss {
		for q := p; q > 1; q = parent[q] {
			if q == pid {
				kib += r
				break
			}
		}
	}
	return kib, rss[pid] > 0 || parent[pid] != 0
}
