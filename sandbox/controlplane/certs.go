package main

import (
	"bufio"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// credentials are the files the apiserver and the kubeconfigs are built from.
// They live in <data-dir>/pki and are reused across restarts, so a client
// holding an old kubeconfig (same CA, same token) keeps working.
type credentials struct {
	CACert, CAKey           string // self-signed CA: signs the serving cert, is the --client-ca-file
	ServingCert, ServingKey string // apiserver TLS for 127.0.0.1 / localhost
	SAKey, SAPub            string // service-account token signing key pair
	TokenFile               string // --token-auth-file with the admin token
	CAPEM                   []byte
	AdminToken              string
}

const certValidity = 10 * 365 * 24 * time.Hour

func ensureCredentials(dataDir string) (*credentials, error) {
	dir := filepath.Join(dataDir, "pki")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, err
	}
	c := &credentials{
		CACert:      filepath.Join(dir, "ca.crt"),
		CAKey:       filepath.Join(dir, "ca.key"),
		ServingCert: filepath.Join(dir, "apiserver.crt"),
		ServingKey:  filepath.Join(dir, "apiserver.key"),
		SAKey:       filepath.Join(dir, "sa.key"),
		SAPub:       filepath.Join(dir, "sa.pub"),
		TokenFile:   filepath.Join(dir, "tokens.csv"),
	}

	ca, caKey, fresh, err := ensureCA(c.CACert, c.CAKey)
	if err != nil {
		return nil, fmt.Errorf("CA: %w", err)
	}
	if c.CAPEM, err = os.ReadFile(c.CACert); err != nil {
		return nil, err
	}
	if err := ensureServingCert(c.ServingCert, c.ServingKey, ca, caKey, fresh); err != nil {
		return nil, fmt.Errorf("serving certificate: %w", err)
	}
	if err := ensureSAKey(c.SAKey, c.SAPub); err != nil {
		return nil, fmt.Errorf("service-account key: %w", err)
	}
	if c.AdminToken, err = ensureTokenFile(c.TokenFile); err != nil {
		return nil, fmt.Errorf("token file: %w", err)
	}
	return c, nil
}

// ensureCA loads the CA if both halves are present and match, else makes a new
// one. fresh reports a new CA, which invalidates any existing serving cert.
func ensureCA(certFile, keyFile string) (*x509.Certificate, crypto.Signer, bool, error) {
	if pair, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil {
		if cert, err := x509.ParseCertificate(pair.Certificate[0]); err == nil && cert.IsCA &&
			time.Now().Before(cert.NotAfter) {
			if signer, ok := pair.PrivateKey.(crypto.Signer); ok {
				return cert, signer, false, nil
			}
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, false, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "terraplane-controlplane-ca"},
		NotBefore:             time.Now().Add(-time.Hour), // tolerate small clock skew
		NotAfter:              time.Now().Add(certValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		BasicConstraintsValid: true,
		IsCA:                  true,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, key.Public(), key)
	if err != nil {
		return nil, nil, false, err
	}
	if err := writeKeyAndCert(certFile, keyFile, der, key); err != nil {
		return nil, nil, false, err
	}
	cert, err := x509.ParseCertificate(der)
	return cert, key, true, err
}

func ensureServingCert(certFile, keyFile string, ca *x509.Certificate, caKey crypto.Signer, caIsNew bool) error {
	if !caIsNew {
		if pair, err := tls.LoadX509KeyPair(certFile, keyFile); err == nil {
			if cert, err := x509.ParseCertificate(pair.Certificate[0]); err == nil {
				pool := x509.NewCertPool()
				pool.AddCert(ca)
				_, err := cert.Verify(x509.VerifyOptions{
					Roots:       pool,
					DNSName:     "localhost",
					CurrentTime: time.Now().Add(24 * time.Hour), // renew a day before expiry
				})
				if err == nil {
					return nil
				}
			}
		}
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial(),
		Subject:      pkix.Name{CommonName: "kube-apiserver"},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(certValidity),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageKeyEncipherment,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		// Loopback names for clients on this machine, plus the in-cluster
		// names and first service IP so in-cluster style clients verify too.
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1"), net.ParseIP("::1"), net.ParseIP("10.96.0.1")},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, key.Public(), caKey)
	if err != nil {
		return err
	}
	return writeKeyAndCert(certFile, keyFile, der, key)
}

// ensureSAKey keeps the service-account signing key stable across restarts,
// so tokens issued before a restart stay valid after it.
func ensureSAKey(keyFile, pubFile string) error {
	var key *rsa.PrivateKey
	if data, err := os.ReadFile(keyFile); err == nil {
		if block, _ := pem.Decode(data); block != nil {
			key, _ = x509.ParsePKCS1PrivateKey(block.Bytes)
		}
	}
	if key == nil {
		var err error
		if key, err = rsa.GenerateKey(rand.Reader, 2048); err != nil {
			return err
		}
		keyPEM := pem.EncodeToMemory(&pem.Block{Type: "RSA PRIVATE KEY", Bytes: x509.MarshalPKCS1PrivateKey(key)})
		if err := writeFileAtomic(keyFile, keyPEM, 0o600); err != nil {
			return err
		}
	}
	pubDER, err := x509.MarshalPKIXPublicKey(&key.PublicKey)
	if err != nil {
		return err
	}
	return writeFileAtomic(pubFile, pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: pubDER}), 0o644)
}

// ensureTokenFile returns the admin bearer token from the static token file,
// creating the file if needed. Line format: token,user,uid,"group1,group2".
func ensureTokenFile(path string) (string, error) {
	if f, err := os.Open(path); err == nil {
		defer f.Close()
		s := bufio.NewScanner(f)
		if s.Scan() {
			if token, _, ok := strings.Cut(s.Text(), ","); ok && len(token) >= 32 {
				return token, nil
			}
		}
	}
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	token := hex.EncodeToString(b)
	line := fmt.Sprintf("%s,admin,terraplane-admin,\"system:masters\"\n", token)
	return token, writeFileAtomic(path, []byte(line), 0o600)
}

func writeKeyAndCert(certFile, keyFile string, der []byte, key *ecdsa.PrivateKey) error {
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeFileAtomic(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER}), 0o600); err != nil {
		return err
	}
	return writeFileAtomic(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand never fails on supported platforms
	}
	return n
}

// writeFileAtomic writes via a temp file in the same directory and renames it
// into place, so a reader (or a crash) never sees a half-written file.
func writeFileAtomic(path string, data []byte, mode os.FileMode) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".tmp*")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name()) // no-op after a successful rename
	_, werr := tmp.Write(data)
	if werr == nil {
		werr = tmp.Sync()
	}
	if err := tmp.Close(); werr == nil {
		werr = err
	}
	if werr == nil {
		werr = os.Chmod(tmp.Name(), mode)
	}
	if werr != nil {
		return werr
	}
	return os.Rename(tmp.Name(), path)
}
