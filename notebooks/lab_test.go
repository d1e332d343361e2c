package notebooks

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os/exec"
	"regexp"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/genlab-go/genlab/internal/testenv"
)

// scripts/lab.sh starts the lab the README promises, as root too (Jupyter refuses root
// without --allow-root), headless, with the data directory set, and prints a URL with
// its token that serves the notebooks.
func TestLabStarts(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: the lab is not started")
	}
	if _, err := exec.LookPath("jupyter"); err != nil {
		testenv.Missing(t, "jupyter is needed (run scripts/setup.sh)")
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	cmd := exec.Command("bash", "scripts/lab.sh", "--no-browser", fmt.Sprintf("--port=%d", port))
	cmd.Dir = testenv.Root(t)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // stop Jupyter and its kernels together
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = cmd.Stdout
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() {
		syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		cmd.Wait()
	}()
	urlRE := regexp.MustCompile(fmt.Sprintf(`http://(localhost|127\.0\.0\.1):%d/\?token=[0-9a-f]+`, port))
	found := make(chan string, 1)
	var mu sync.Mutex
	var log strings.Builder
	logged := func() string { mu.Lock(); defer mu.Unlock(); return log.String() }
	go func() {
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			mu.Lock()
			log.WriteString(sc.Text() + "\n")
			mu.Unlock()
			if u := urlRE.FindString(sc.Text()); u != "" {
				select {
				case found <- u:
				default:
				}
			}
		}
	}()
	select {
	case u := <-found:
		resp, err := http.Get(u)
		if err != nil {
			t.Fatalf("the lab's URL %s: %v", u, err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			t.Errorf("the lab's URL %s: %s", u, resp.Status)
		}
	case <-time.After(3 * time.Minute):
		t.Fatalf("scripts/lab.sh printed no URL with a token in 3 minutes:\n%s", logged())
	}
	if !strings.Contains(logged(), "lab: datasets from") {
		t.Errorf("lab.sh did not say where the datasets are:\n%s", logged())
	}
}
