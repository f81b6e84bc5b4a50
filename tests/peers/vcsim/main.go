// corral-vcsim: govmomi's vCenter simulator (simulator.VPX) on loopback, for the tests of
// plugins/vsphere. Debian packages the simulator library but no vcsim program; this is the few
// lines that serve it.
//
// It prints one line once it serves, which the tests wait on:
//
//	vcsim ready url=https://127.0.0.1:PORT/sdk thumbprint=AA:BB:... cert=PATH pid=N
//
// and exits when its standard input closes (so a test that dies leaves nothing running; off with
// -watch-stdin=false) or on SIGTERM. Besides the default VPX inventory (DC0, cluster DC0_C0, VMs DC0_H0_VM0 ...), it adds
// names with spaces and nested folders, which real vCenters have and the default model lacks:
//
//	/DC0/vm/Corral Templates/ubuntu 22.04      a template (cloned from DC0_H0_VM0)
//	/DC0/vm/Corral Pools/linux runners         an empty folder
package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"flag"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/vmware/govmomi"
	"github.com/vmware/govmomi/find"
	"github.com/vmware/govmomi/simulator"
	"github.com/vmware/govmomi/vim25/types"
)

func main() {
	useTLS := flag.Bool("tls", true, "serve https with a fresh self-signed certificate")
	user := flag.String("user", "corral@vsphere.local", "the only user Login accepts")
	password := flag.String("password", "Corral-Test-1", "that user's password")
	certPath := flag.String("cert", "", "write the server certificate (PEM) to this file")
	watchStdin := flag.Bool("watch-stdin", true, "exit when standard input closes")
	flag.Parse()
	log.SetFlags(0)
	log.SetPrefix("corral-vcsim: ")

	model := simulator.VPX()
	if err := model.Create(); err != nil {
		log.Fatalf("creating the inventory: %v", err)
	}
	defer model.Remove()
	model.Service.Listen = &url.URL{Host: "127.0.0.1:0", User: url.UserPassword(*user, *password)}
	if *useTLS {
		cert, err := selfSigned()
		if err != nil {
			log.Fatalf("making a certificate: %v", err)
		}
		model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	}
	server := model.Service.NewServer()
	defer server.Close()

	if err := addInventory(server.URL); err != nil {
		log.Fatalf("adding the test inventory: %v", err)
	}

	thumbprint := ""
	sdkURL := *server.URL
	sdkURL.User = nil
	if *useTLS {
		der := server.Certificate().Raw
		sum := sha256.Sum256(der)
		hexes := make([]string, len(sum))
		for i, b := range sum {
			hexes[i] = fmt.Sprintf("%02X", b)
		}
		thumbprint = strings.Join(hexes, ":")
		if *certPath != "" {
			block := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})
			if err := os.WriteFile(*certPath, block, 0o644); err != nil {
				log.Fatalf("writing %s: %v", *certPath, err)
			}
		}
	}
	fmt.Printf("vcsim ready url=%s thumbprint=%s cert=%s pid=%d\n", sdkURL.String(), thumbprint, *certPath, os.Getpid())

	done := make(chan struct{})
	if *watchStdin {
		go func() {
			_, _ = io.Copy(io.Discard, os.Stdin)
			close(done)
		}()
	}
	signals := make(chan os.Signal, 1)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT)
	select {
	case <-done:
	case <-signals:
	}
}

// selfSigned makes a self-signed P-256 certificate for 127.0.0.1 and localhost, usable as its own
// CA. (The simulator's default, Go's test certificate, has a 1024-bit RSA key that OpenSSL's
// default security level refuses even when trusted.)
func selfSigned() (tls.Certificate, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, err
	}
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 64))
	if err != nil {
		return tls.Certificate{}, err
	}
	template := x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "corral-vcsim"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		KeyUsage:              x509.KeyUsageDigitalSignature | x509.KeyUsageCertSign,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		IsCA:                  true,
		IPAddresses:           []net.IP{net.ParseIP("127.0.0.1")},
		DNSNames:              []string{"localhost"},
	}
	der, err := x509.CreateCertificate(rand.Reader, &template, &template, &key.PublicKey, key)
	if err != nil {
		return tls.Certificate{}, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}, nil
}

// addInventory logs in as the configured user and adds the folders and the template above.
func addInventory(u *url.URL) error {
	ctx := context.Background()
	client, err := govmomi.NewClient(ctx, u, true)
	if err != nil {
		return err
	}
	defer func() { _ = client.Logout(ctx) }()
	finder := find.NewFinder(client.Client, false)
	dc, err := finder.Datacenter(ctx, "DC0")
	if err != nil {
		return err
	}
	finder.SetDatacenter(dc)
	folders, err := dc.Folders(ctx)
	if err != nil {
		return err
	}
	templates, err := folders.VmFolder.CreateFolder(ctx, "Corral Templates")
	if err != nil {
		return err
	}
	pools, err := folders.VmFolder.CreateFolder(ctx, "Corral Pools")
	if err != nil {
		return err
	}
	if _, err = pools.CreateFolder(ctx, "linux runners"); err != nil {
		return err
	}
	source, err := finder.VirtualMachine(ctx, "DC0_H0_VM0")
	if err != nil {
		return err
	}
	pool, err := source.ResourcePool(ctx)
	if err != nil {
		return err
	}
	poolRef := pool.Reference()
	task, err := source.Clone(ctx, templates, "ubuntu 22.04", types.VirtualMachineCloneSpec{
		Location: types.VirtualMachineRelocateSpec{Pool: &poolRef},
		Template: true,
	})
	if err != nil {
		return err
	}
	return task.Wait(ctx)
}
