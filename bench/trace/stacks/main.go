// Command stacks writes a Go execution trace whose cost is in goroutines
// and stacks (bench/trace.sh's second trace): -goroutines goroutines (5,000
// by default) each loop, for -dur, over a random descent of 2 to -depth
// calls through 48 distinct functions (funcs.go: f00..f47, each allocating)
// and, at the bottom, a blocking operation chosen at random: a select on
// one of -chans unbuffered channels (send or receive, whichever partner
// comes first, or a timer), a buffered job queue, a contended mutex, a
// short sleep, a Gosched, or starting a short-lived goroutine from there
// (GoCreate with that stack) and waiting for it. Every block, unblock and
// create records the stack it happened at, and nearly every stack differs,
// so the trace's stack tables are large, as are its goroutine counts.
// CPU profiling is on during the trace (the trace holds CPU samples).
//
//	go build -o stacks ./stacks && ./stacks -o stacks.trace -dur 5s
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

var (
	out        = flag.String("o", "stacks.trace", "trace output file")
	dur        = flag.Duration("dur", 5*time.Second, "how long to run")
	goroutines = flag.Int("goroutines", 5000, "long-lived goroutines")
	depth      = flag.Int("depth", 24, "deepest descent through f00..f47 (2 to depth calls)")
	nchans     = flag.Int("chans", 256, "unbuffered channels the goroutines meet on")
	pause      = flag.Duration("pause", 100*time.Millisecond, "mean sleep between a goroutine's descents (sets the event rate)")
	size       = flag.Int64("size", 0, "stop early once the trace has this many bytes (0: run for -dur)")
)

var (
	table []func(int, *gstate)
	chans []chan int
	jobs  = make(chan int, 64)
	mus   [16]sync.Mutex
	stop  atomic.Bool
	ops   atomic.Int64
)

func init() { table = fns[:] }

// gstate is a goroutine's own: its PRNG and the allocations it keeps alive
// for a while (a ring, so the heap has live data and GC has work).
type gstate struct {
	x    uint64
	ring [32][]byte
	at   int
}

func (g *gstate) intn(n int) int {
	// xorshift64*
	g.x ^= g.x >> 12
	g.x ^= g.x << 25
	g.x ^= g.x >> 27
	return int(((g.x * 2685821657736338717) >> 33) % uint64(n))
}

func (g *gstate) keep(b []byte) {
	g.ring[g.at%len(g.ring)] = b
	g.at++
}

// leaf blocks (or not) at the bottom of a descent; fn is the caller's number.
//
//go:noinline
func (g *gstate) leaf(fn int) {
	ops.Add(1)
	switch k := g.intn(16); {
	case k < 7: // meet another goroutine on a channel, or give up after a while
		c := chans[(fn*31+g.intn(len(chans)))%len(chans)]
		t := time.NewTimer(time.Duration(2000+g.intn(8000)) * time.Microsecond)
		select {
		case c <- fn:
		case v := <-c:
			g.keep(make([]byte, v))
		case <-t.C:
		}
		t.Stop()
	case k < 9: // the job queue: buffered, both ways
		if g.intn(2) == 0 {
			select {
			case jobs <- fn:
			default:
				<-jobs
			}
		} else {
			select {
			case v := <-jobs:
				g.keep(make([]byte, v))
			default:
				jobs <- fn
			}
		}
	case k < 11: // a contended mutex
		m := &mus[g.intn(len(mus))]
		m.Lock()
		g.keep(make([]byte, 64))
		m.Unlock()
	case k < 13:
		time.Sleep(time.Duration(500+g.intn(5000)) * time.Microsecond)
	case k < 14:
		runtime.Gosched()
	default: // a short-lived goroutine created here, waited for
		done := make(chan struct{})
		go child(g.x+uint64(fn), g.intn(*depth/2+1), done)
		<-done
	}
}

// child runs one short descent of its own and ends.
func child(seed uint64, d int, done chan struct{}) {
	g := &gstate{x: seed | 1}
	table[g.intn(len(table))](d, g)
	close(done)
}

func worker(id int, wg *sync.WaitGroup) {
	defer wg.Done()
	g := &gstate{x: uint64(id)*0x9e3779b97f4a7c15 + 1}
	for !stop.Load() {
		table[g.intn(len(table))](1+g.intn(*depth-1), g)
		if *pause > 0 {
			time.Sleep(time.Duration(g.intn(2*int(*pause/time.Microsecond)+1)) * time.Microsecond)
		}
	}
}

func main() {
	flag.Parse()
	if *depth < 2 {
		*depth = 2
	}
	chans = make([]chan int, *nchans)
	for i := range chans {
		chans[i] = make(chan int)
	}
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cw := &countingWriter{w: f}
	w := bufio.NewWriterSize(cw, 1<<20)
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := trace.Start(w); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	start := time.Now()
	var wg sync.WaitGroup
	for i := 0; i < *goroutines; i++ {
		wg.Add(1)
		go worker(i, &wg)
	}
	deadline := start.Add(*dur)
	for time.Now().Before(deadline) && (*size <= 0 || cw.n.Load() < *size) {
		time.Sleep(50 * time.Millisecond)
	}
	stop.Store(true)
	// Let the goroutines finish their descents (a partner may be gone: the
	// channel selects time out).
	waited := make(chan struct{})
	go func() { wg.Wait(); close(waited) }()
	select {
	case <-waited:
	case <-time.After(2 * time.Second):
	}
	trace.Stop()
	pprof.StopCPUProfile()
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Close()
	st, _ := os.Stat(*out)
	fmt.Printf("wrote %s: %d bytes in %v, %d leaf operations, %d goroutines\n", *out, st.Size(),
		time.Since(start).Round(time.Millisecond), ops.Load(), *goroutines)
	os.Exit(0)
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n atomic.Int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n.Add(int64(n))
	return n, err
}
