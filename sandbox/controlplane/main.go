// Command terraplane-controlplane runs a real, local Kubernetes control plane
// (etcd + kube-apiserver + a minimal kube-controller-manager) in one process on
// 127.0.0.1, for integration tests. See README.md.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log"
	"os"
	"os/signal"
	"path/filepath"
	"syscall"
	"time"

	genericapiserver "k8s.io/apiserver/pkg/server"
)

var logger = log.New(os.Stderr, "terraplane-controlplane: ", log.LstdFlags)

var errSignal = errors.New("signal received")

func main() {
	fs := flag.NewFlagSet("terraplane-controlplane", flag.ContinueOnError)
	dataDir := fs.String("data-dir", "", "directory for certs, keys, token file, etcd data and kubeconfig (required)")
	port := fs.Int("port", 0, "kube-apiserver secure port on 127.0.0.1; 0 picks a free one (the previous one if still free)")
	kubeconfig := fs.String("kubeconfig", "", "where to write the admin kubeconfig (default <data-dir>/kubeconfig)")
	verbose := fs.Bool("verbose", false, "show informational component logs too (default: warnings and errors only)")
	if err := fs.Parse(os.Args[1:]); err != nil {
		os.Exit(2)
	}
	if *dataDir == "" || fs.NArg() > 0 {
		fmt.Fprintln(os.Stderr, "usage: terraplane-controlplane --data-dir DIR [--port N] [--kubeconfig PATH] [--verbose]")
		os.Exit(2)
	}
	flush := func() {}
	if !*verbose {
		flush = filterStderr()
	}
	code := run(*dataDir, *port, *kubeconfig)
	flush()
	os.Exit(code)
}

func run(dataDir string, port int, kubeconfig string) int {
	fail := func(err error) int { logger.Printf("error: %v", err); return 1 }

	dataDir, err := filepath.Abs(dataDir)
	if err != nil {
		return fail(err)
	}
	if kubeconfig == "" {
		kubeconfig = filepath.Join(dataDir, "kubeconfig")
	}
	if kubeconfig, err = filepath.Abs(kubeconfig); err != nil {
		return fail(err)
	}
	if err := os.MkdirAll(dataDir, 0o700); err != nil {
		return fail(err)
	}
	unlock, err := lockDataDir(dataDir)
	if err != nil {
		return fail(err)
	}
	defer unlock()

	creds, err := ensureCredentials(dataDir)
	if err != nil {
		return fail(err)
	}
	p, err := choosePorts(dataDir, port)
	if err != nil {
		return fail(err)
	}

	// Take over SIGTERM/SIGINT from here on (before, they kill us outright,
	// which is fine: nothing runs yet), together with the apiserver.
	sigs := make(chan os.Signal, 1)
	signal.Notify(sigs, syscall.SIGTERM, syscall.SIGINT)
	apiserver := newAPIServerCommand(apiserverArgs(dataDir, creds, p.APIServer, p.EtcdClient))
	// A kubeconfig left by a previous run would look like "ready" to a client
	// polling for the file; it is rewritten (identically, if the port is the
	// same) once this run is ready.
	_ = os.Remove(kubeconfig)

	etcd, err := startEtcd(dataDir, p.EtcdClient, p.EtcdPeer)
	if err != nil {
		return fail(err)
	}
	defer etcd.Stop()

	apiDone := make(chan struct{})
	var apiErr error
	go func() {
		defer close(apiDone)
		apiErr = apiserver.Execute()
	}()

	// ctx ends on the first of: a signal, the apiserver exiting, etcd failing,
	// the controller-manager failing. Its cause says which.
	ctx, stop := context.WithCancelCause(context.Background())
	go func() {
		select {
		case s := <-sigs:
			stop(fmt.Errorf("%w: %v", errSignal, s))
		case <-apiDone:
			stop(fmt.Errorf("kube-apiserver exited: %v", apiErr))
		case err := <-etcd.Err():
			stop(fmt.Errorf("etcd: %v", err))
		}
	}()

	kcmDone := make(chan struct{})
	kcmStarted := false
	ready := func() error {
		started := time.Now()
		server := fmt.Sprintf("https://127.0.0.1:%d", p.APIServer)
		client := adminHTTPClient(creds)
		defer client.CloseIdleConnections() // only needed until ready
		readyCtx, cancel := context.WithTimeout(ctx, 3*time.Minute)
		defer cancel()
		if err := waitForOK(readyCtx, client, server, "/readyz", creds.AdminToken); err != nil {
			return err
		}
		if err := writeKubeconfig(kubeconfig, server, creds.CAPEM, creds.AdminToken, "admin"); err != nil {
			return err
		}
		kcmKubeconfig := filepath.Join(dataDir, "controller-manager.kubeconfig")
		if err := writeKubeconfig(kcmKubeconfig, server, creds.CAPEM, creds.AdminToken, "admin"); err != nil {
			return err
		}
		kcmStarted = true
		go func() {
			defer close(kcmDone)
			err := runControllerManager(ctx, controllerManagerArgs(kcmKubeconfig, creds))
			if ctx.Err() == nil {
				stop(fmt.Errorf("kube-controller-manager exited: %v", err))
			}
		}()
		// The "default" ServiceAccount appears once the controller-manager's
		// informers run: from then on namespaces, GC and tokens behave as in a
		// real cluster, so that is when we call ourselves ready.
		if err := waitForOK(readyCtx, client, server, "/api/v1/namespaces/default/serviceaccounts/default", creds.AdminToken); err != nil {
			return err
		}
		line, _ := json.Marshal(struct {
			Ready      bool   `json:"ready"`
			Server     string `json:"server"`
			Kubeconfig string `json:"kubeconfig"`
		}{true, server, kubeconfig})
		fmt.Println(string(line))
		logger.Printf("ready in %.1fs: %s", time.Since(started).Seconds(), server)
		return nil
	}
	if err := ready(); err != nil && ctx.Err() == nil {
		stop(err)
	}
	if !kcmStarted {
		close(kcmDone)
	}

	<-ctx.Done()
	cause := context.Cause(ctx)
	logger.Printf("shutting down: %v", cause)
	clean := shutdown(kcmDone, apiDone, errors.Is(cause, errSignal))
	if errors.Is(cause, errSignal) && clean {
		logger.Printf("stopped")
		return 0
	}
	return 1
}

// shutdown stops the components in dependency order: the controller-manager
// (already cancelled via ctx) before the apiserver it talks to, the apiserver
// before etcd (closed by run's defer). It reports whether all stopped in time.
func shutdown(kcmDone, apiDone <-chan struct{}, signalled bool) bool {
	clean := true
	select {
	case <-kcmDone:
	case <-time.After(15 * time.Second):
		logger.Printf("kube-controller-manager did not stop within 15s")
		clean = false
	}
	// The apiserver's own handler got the signal too. Otherwise, tell it: this
	// counts as its first signal. (A second one makes it os.Exit(1), so it must
	// not be sent after a real signal.)
	if !signalled {
		genericapiserver.RequestShutdown()
	}
	select {
	case <-apiDone:
	case <-time.After(30 * time.Second):
		logger.Printf("kube-apiserver did not stop within 30s")
		clean = false
	}
	return clean
}
