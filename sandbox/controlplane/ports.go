package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"syscall"
)

// ports are remembered in <data-dir>/ports.json and reused on restart when
// still free: the kubeconfig a client already holds keeps pointing at the
// right server, and etcd's member keeps the peer URL it was created with.
type ports struct {
	APIServer  int `json:"apiserver"`
	EtcdClient int `json:"etcdClient"`
	EtcdPeer   int `json:"etcdPeer"`
}

func choosePorts(dataDir string, apiserverPort int) (ports, error) {
	path := filepath.Join(dataDir, "ports.json")
	var prev ports
	if data, err := os.ReadFile(path); err == nil {
		_ = json.Unmarshal(data, &prev) // unreadable: start afresh
	}
	taken := map[int]bool{}
	pick := func(prefer int) (int, error) {
		port, err := freePort(prefer, taken)
		taken[port] = true
		return port, err
	}
	var p ports
	var err error
	if apiserverPort != 0 {
		p.APIServer = apiserverPort // explicit: the apiserver reports it if busy
		taken[p.APIServer] = true
	} else if p.APIServer, err = pick(prev.APIServer); err != nil {
		return p, err
	}
	if p.EtcdClient, err = pick(prev.EtcdClient); err != nil {
		return p, err
	}
	if p.EtcdPeer, err = pick(prev.EtcdPeer); err != nil {
		return p, err
	}
	data, _ := json.Marshal(p)
	return p, writeFileAtomic(path, data, 0o600)
}

// freePort returns prefer if it can be bound on 127.0.0.1, else a port the
// kernel hands out. There is a short window before the component binds it;
// fine for a loopback test machine.
func freePort(prefer int, taken map[int]bool) (int, error) {
	if prefer > 0 && !taken[prefer] {
		if l, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", prefer)); err == nil {
			l.Close()
			return prefer, nil
		}
	}
	for range 10 {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return 0, err
		}
		port := l.Addr().(*net.TCPAddr).Port
		l.Close()
		if !taken[port] {
			return port, nil
		}
	}
	return 0, fmt.Errorf("no free port on 127.0.0.1")
}

// lockDataDir makes a second instance on the same data dir fail fast instead
// of fighting over etcd's files.
func lockDataDir(dataDir string) (unlock func(), err error) {
	f, err := os.OpenFile(filepath.Join(dataDir, "lock"), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("data dir %s is in use by another terraplane-controlplane: %w", dataDir, err)
	}
	return func() { f.Close() }, nil
}
