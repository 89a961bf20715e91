package main

import (
	"bufio"
	"bytes"
	"os"
)

// filterStderr drops informational klog lines ("I0102 15:04:05.000000 ...")
// and their indented continuation lines from everything the components write
// to os.Stderr; warnings, errors and any other output pass through.
//
// klog at -v=0 still prints a few hundred info lines per start, and neither
// kube-apiserver nor kube-controller-manager has a flag to raise the threshold
// (the text logger writes all levels to the stream it captured from
// os.Stderr). So os.Stderr itself is swapped for a pipe before any component
// starts. Go runtime panics write to fd 2 directly and are unaffected.
// The returned func drains the pipe; call it before exiting.
func filterStderr() (flush func()) {
	real := os.Stderr
	r, w, err := os.Pipe()
	if err != nil {
		return func() {}
	}
	os.Stderr = w
	logger.SetOutput(real)
	done := make(chan struct{})
	go func() {
		defer close(done)
		in := bufio.NewReaderSize(r, 64*1024)
		dropping := false
		for {
			line, err := in.ReadBytes('\n')
			if len(line) > 0 {
				switch {
				case isKlogHeader(line):
					dropping = line[0] == 'I' || isKnownNoise(line)
				case line[0] == ' ' || line[0] == '\t':
					// continuation of a multi-line message: same fate as its header
				default:
					dropping = false
				}
				if !dropping {
					real.Write(line)
				}
			}
			if err != nil {
				return
			}
		}
	}()
	return func() {
		w.Close()
		<-done
	}
}

// isKnownNoise matches lines every start or stop of this setup prints that
// say nothing about its health. A real problem (etcd down, a failing
// controller) still shows through other errors and /readyz.
func isKnownNoise(line []byte) bool {
	for _, s := range []string{
		// API versions compiled out of this release
		"because it has no resources.",
		// logged unconditionally with --endpoint-reconciler-type=none
		"Found stale data, removed previous endpoints on kubernetes service",
		// open watches cut after the 2s shutdown grace (--shutdown-send-retry-after)
		"Failed to shutdown server: context deadline exceeded",
	} {
		if bytes.Contains(line, []byte(s)) {
			return true
		}
	}
	// gRPC chatter when the apiserver cancels etcd connections it only
	// opened to probe
	return bytes.Contains(line, []byte("addrConn.createTransport failed to connect")) &&
		(bytes.Contains(line, []byte("operation was canceled")) ||
			bytes.Contains(line, []byte("use of closed network connection")))
}

// isKlogHeader matches klog's "Lmmdd hh:mm:ss" prefix, L one of I W E F.
func isKlogHeader(line []byte) bool {
	if len(line) < 14 || (line[0] != 'I' && line[0] != 'W' && line[0] != 'E' && line[0] != 'F') {
		return false
	}
	for _, c := range line[1:5] {
		if c < '0' || c > '9' {
			return false
		}
	}
	return line[5] == ' ' && line[8] == ':'
}
