// Command trace writes a large Go execution trace for the gopherlens
// benchmark (bench/trace.sh): many goroutines allocating maps and slices
// and handing work to each other over channels and mutexes for -dur, with
// a small GOGC for frequent collections and mark assists, CPU profiling on
// (so the trace holds CPU samples), some syscalls (pipe writes) and
// network blocking (a loopback TCP echo).
//
//	go run ./bench/trace -o big.trace -dur 20s
package main

import (
	"bufio"
	"flag"
	"fmt"
	"io"
	"math/rand"
	"net"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"runtime/trace"
	"sync"
	"sync/atomic"
	"time"
)

var (
	out     = flag.String("o", "big.trace", "trace output file")
	dur     = flag.Duration("dur", 20*time.Second, "how long to run")
	workers = flag.Int("workers", 64, "goroutines per stage")
	gogc    = flag.Int("gogc", 25, "GOGC during the run")
	keep    = flag.Int("keep", 200000, "map entries retained per shard (live heap)")
	pause   = flag.Duration("pause", 0, "producers sleep this long every 4 items")
	size    = flag.Int64("size", 0, "stop early once the trace has this many bytes (0: run for -dur)")
	tags    = flag.Int("tags", 128, "map entries allocated per item (work per channel hand-off: sets the trace's size)")
)

type item struct {
	id   int
	data []byte
	tags map[string]int
}

// shard is a mutex-protected map the workers fight over.
type shard struct {
	mu sync.Mutex
	m  map[int][]byte
}

func main() {
	flag.Parse()
	debug.SetGCPercent(*gogc)
	f, err := os.Create(*out)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	cw := &countingWriter{w: f}
	w := bufio.NewWriterSize(cw, 1<<20)
	// CPU profiling before the trace starts: the trace then records CPU samples.
	if err := pprof.StartCPUProfile(io.Discard); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	if err := trace.Start(w); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}

	var stop atomic.Bool
	var wg sync.WaitGroup
	shards := make([]*shard, 16)
	for i := range shards {
		shards[i] = &shard{m: make(map[int][]byte)}
	}
	in := make(chan *item, 16)
	mid := make(chan *item)
	done := make(chan int, 64)

	// Stage 1: producers allocate items.
	for i := 0; i < *workers; i++ {
		wg.Add(1)
		go func(seed int64) {
			defer wg.Done()
			r := rand.New(rand.NewSource(seed))
			for n := 0; !stop.Load(); n++ {
				it := &item{id: r.Int(), data: make([]byte, 64+r.Intn(2048)), tags: make(map[string]int)}
				for k := 0; k < *tags; k++ {
					it.tags[fmt.Sprint("t", r.Intn(100))] = k
				}
				in <- it
				if *pause > 0 && n%4 == 3 {
					time.Sleep(*pause)
				}
			}
		}(int64(i))
	}
	// Stage 2: transformers, through an unbuffered channel (goroutine switches).
	for i := 0; i < *workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range in {
				s := make([]int, 0, 16)
				for k, v := range it.tags {
					s = append(s, len(k)+v)
				}
				it.data = append(it.data, byte(len(s)))
				select {
				case mid <- it:
				case <-time.After(10 * time.Millisecond):
				}
			}
		}()
	}
	// Stage 3: consumers store into mutex-protected shards (contention, live heap).
	for i := 0; i < *workers; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for it := range mid {
				sh := shards[it.id%len(shards)]
				sh.mu.Lock()
				sh.m[it.id%(*keep)] = it.data
				sh.mu.Unlock()
				if it.id%64 == 0 {
					done <- len(it.data)
				}
			}
		}()
	}
	// Syscalls: pipe writes and reads.
	pr, pw, err := os.Pipe()
	if err == nil {
		go func() {
			buf := make([]byte, 4096)
			for {
				if _, err := pr.Read(buf); err != nil {
					return
				}
			}
		}()
		go func() {
			buf := make([]byte, 512)
			for !stop.Load() {
				pw.Write(buf)
				time.Sleep(500 * time.Microsecond)
			}
			pw.Close()
		}()
	}
	// Network: a loopback echo.
	if ln, err := net.Listen("tcp", "127.0.0.1:0"); err == nil {
		go func() {
			for {
				c, err := ln.Accept()
				if err != nil {
					return
				}
				go io.Copy(c, c)
			}
		}()
		for i := 0; i < 4; i++ {
			go func() {
				c, err := net.Dial("tcp", ln.Addr().String())
				if err != nil {
					return
				}
				buf := make([]byte, 256)
				for !stop.Load() {
					c.Write(buf)
					io.ReadFull(c, buf)
					time.Sleep(500 * time.Microsecond)
				}
				c.Close()
			}()
		}
	}
	// Drain "done" and do some scheduling churn.
	go func() {
		for range done {
			runtime.Gosched()
		}
	}()

	deadline := time.Now().Add(*dur)
	for time.Now().Before(deadline) && (*size <= 0 || cw.n.Load() < *size) {
		time.Sleep(100 * time.Millisecond)
	}
	stop.Store(true)
	go func() {
		for range mid {
		}
	}()
	// Producers exit once stop is seen; close the pipeline behind them.
	go func() {
		for range in {
		}
	}()
	time.Sleep(50 * time.Millisecond)
	trace.Stop()
	pprof.StopCPUProfile()
	if err := w.Flush(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	f.Close()
	st, _ := os.Stat(*out)
	fmt.Printf("wrote %s: %d bytes in %v\n", *out, st.Size(), time.Since(deadline.Add(-*dur)).Round(time.Millisecond))
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
