package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
	clientcmdapi "k8s.io/client-go/tools/clientcmd/api"
	"k8s.io/kubernetes/cmd/kube-apiserver/app"
)

const serviceAccountIssuer = "https://kubernetes.default.svc.cluster.local"

func apiserverArgs(dataDir string, creds *credentials, port, etcdClientPort int) []string {
	return []string{
		"--bind-address=127.0.0.1",
		"--advertise-address=127.0.0.1",
		"--secure-port=" + strconv.Itoa(port),
		"--etcd-servers=http://127.0.0.1:" + strconv.Itoa(etcdClientPort),
		"--tls-cert-file=" + creds.ServingCert,
		"--tls-private-key-file=" + creds.ServingKey,
		"--client-ca-file=" + creds.CACert,
		// Only used when no serving cert is given; point it into data-dir so
		// nothing is ever written to /var/run/kubernetes.
		"--cert-dir=" + dataDir + "/pki",
		"--token-auth-file=" + creds.TokenFile,
		"--authorization-mode=RBAC",
		"--service-account-issuer=" + serviceAccountIssuer,
		"--service-account-key-file=" + creds.SAPub,
		"--service-account-signing-key-file=" + creds.SAKey,
		"--api-audiences=" + serviceAccountIssuer,
		"--service-cluster-ip-range=10.96.0.0/16",
		// The endpoint reconciler would publish 127.0.0.1 as the endpoint of
		// default/kubernetes, which Endpoints validation rejects (loopback),
		// logging an error every 10s. Nothing in-cluster dials it (no pods run).
		"--endpoint-reconciler-type=none",
		"--allow-privileged=true",
		// On shutdown, stop the HTTP server 2s after in-flight requests drain
		// instead of waiting --request-timeout (60s) for open watches to end.
		"--shutdown-send-retry-after=true",
		// Low overhead: no APF queuing, no pprof endpoints.
		"--enable-priority-and-fairness=false",
		"--profiling=false",
		"--v=0",
	}
}

// newAPIServerCommand returns the kube-apiserver command with our flags set.
// Creating it installs the apiserver's own SIGTERM/SIGINT handler (a second
// signal, or genericapiserver.RequestShutdown() after one, makes it exit 1),
// so do it before starting anything else: then it sees every signal we see.
func newAPIServerCommand(args []string) *cobra.Command {
	cmd := app.NewAPIServerCommand()
	cmd.SetArgs(args)
	return cmd
}

// adminHTTPClient trusts only our CA, to poll the apiserver as admin.
func adminHTTPClient(creds *credentials) *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(creds.CAPEM)
	return &http.Client{
		Timeout:   5 * time.Second,
		Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool}},
	}
}

// waitForOK polls GET server+path with the admin token until it answers 200
// or ctx ends (timeout, signal, or a component died).
func waitForOK(ctx context.Context, client *http.Client, server, path, token string) error {
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		req, _ := http.NewRequestWithContext(ctx, http.MethodGet, server+path, nil)
		req.Header.Set("Authorization", "Bearer "+token)
		if resp, err := client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for %s: %w", path, ctx.Err())
		case <-tick.C:
		}
	}
}

// writeKubeconfig writes a token kubeconfig for server atomically, so a
// reader never sees a partial file.
func writeKubeconfig(path, server string, caPEM []byte, token, user string) error {
	cfg := clientcmdapi.NewConfig()
	cfg.Clusters["terraplane"] = &clientcmdapi.Cluster{Server: server, CertificateAuthorityData: caPEM}
	cfg.AuthInfos[user] = &clientcmdapi.AuthInfo{Token: token}
	cfg.Contexts["terraplane"] = &clientcmdapi.Context{Cluster: "terraplane", AuthInfo: user}
	cfg.CurrentContext = "terraplane"
	data, err := clientcmd.Write(*cfg)
	if err != nil {
		return err
	}
	return writeFileAtomic(path, data, 0o600)
}
