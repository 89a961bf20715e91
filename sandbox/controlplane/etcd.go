package main

import (
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"time"

	"go.etcd.io/etcd/client/pkg/v3/logutil"
	"go.etcd.io/etcd/server/v3/embed"
	"go.uber.org/zap"
)

// etcdServer is the embedded etcd plus the knob to silence it on shutdown.
type etcdServer struct {
	*embed.Etcd
	logLevel zap.AtomicLevel
}

// Stop closes etcd. Its listeners' serve loops report "use of closed network
// connection" at error level when closed on purpose; mute them first.
func (e *etcdServer) Stop() {
	e.logLevel.SetLevel(zap.FatalLevel)
	e.Close()
}

// startEtcd runs a single-member etcd in this process, on loopback only,
// with its data in <data-dir>/etcd. It returns once etcd serves clients.
func startEtcd(dataDir string, clientPort, peerPort int) (*etcdServer, error) {
	cfg := embed.NewConfig()
	cfg.Name = "terraplane"
	cfg.Dir = filepath.Join(dataDir, "etcd")

	client := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(clientPort))}
	peer := url.URL{Scheme: "http", Host: net.JoinHostPort("127.0.0.1", strconv.Itoa(peerPort))}
	cfg.ListenClientUrls, cfg.AdvertiseClientUrls = []url.URL{client}, []url.URL{client}
	// A lone member never talks to peers, but etcd insists on a peer listener.
	cfg.ListenPeerUrls, cfg.AdvertisePeerUrls = []url.URL{peer}, []url.URL{peer}
	cfg.InitialCluster = cfg.InitialClusterFromName(cfg.Name)
	cfg.ClusterState = embed.ClusterStateFlagNew // ignored by etcd when data already exists

	// etcd logs every request at info level; only errors matter here.
	logLevel := zap.NewAtomicLevelAt(zap.ErrorLevel)
	zcfg := logutil.DefaultZapLoggerConfig
	zcfg.Level = logLevel
	lg, err := zcfg.Build()
	if err != nil {
		return nil, err
	}
	cfg.ZapLoggerBuilder = embed.NewZapLoggerBuilder(lg)

	// Test data: skip fsync (as envtest does). A clean shutdown still leaves
	// everything on disk; only a machine crash could lose recent writes.
	cfg.UnsafeNoFsync = true
	// The apiserver speaks gRPC; the JSON gateway is dead weight.
	cfg.EnableGRPCGateway = false

	e, err := embed.StartEtcd(cfg)
	if err != nil {
		return nil, fmt.Errorf("start etcd: %w", err)
	}
	select {
	case <-e.Server.ReadyNotify():
		return &etcdServer{Etcd: e, logLevel: logLevel}, nil
	case err := <-e.Err():
		e.Close()
		return nil, fmt.Errorf("etcd: %w", err)
	case <-time.After(60 * time.Second):
		e.Close()
		return nil, fmt.Errorf("etcd did not become ready within 60s")
	}
}
