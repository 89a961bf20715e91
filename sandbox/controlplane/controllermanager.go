package main

import (
	"context"
	"fmt"
	"strings"

	"github.com/spf13/pflag"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app"
	"k8s.io/kubernetes/cmd/kube-controller-manager/app/options"
)

// controllers is the minimum a test control plane needs to behave like a
// real cluster for API clients (no nodes, so no workload controllers).
var controllers = []string{
	"namespace-controller",               // actually deletes Terminating namespaces
	"garbage-collector-controller",       // deletes dependents via ownerReferences
	"serviceaccount-controller",          // creates "default" ServiceAccount per namespace
	"serviceaccount-token-controller",    // legacy token Secrets + ca.crt in them
	"clusterrole-aggregation-controller", // fills the aggregated admin/edit/view ClusterRoles
}

func controllerManagerArgs(kubeconfig string, creds *credentials) []string {
	return []string{
		"--kubeconfig=" + kubeconfig,
		"--controllers=" + strings.Join(controllers, ","),
		// One identity (the admin token) for all controllers: no per-controller
		// ServiceAccounts to bootstrap.
		"--use-service-account-credentials=false",
		// Single instance, no Lease churn, starts immediately.
		"--leader-elect=false",
		// No HTTPS endpoint (healthz/metrics) needed; also skips delegated authn.
		"--secure-port=0",
		"--service-account-private-key-file=" + creds.SAKey,
		"--root-ca-file=" + creds.CACert,
	}
}

// runControllerManager runs kube-controller-manager in this process until ctx
// is cancelled. It mirrors NewControllerManagerCommand's RunE, which uses
// context.Background() and so could never be stopped; going through the
// options and app.Run lets shutdown cancel it cleanly. Logging setup is
// skipped: the apiserver already configured klog for the whole process.
func runControllerManager(ctx context.Context, args []string) error {
	s, err := options.NewKubeControllerManagerOptions()
	if err != nil {
		return err
	}
	known, disabled, aliases := app.KnownControllers(), app.ControllersDisabledByDefault(), app.ControllerAliases()
	named := s.Flags(known, disabled, aliases)
	s.ParsedFlags = &named
	fs := pflag.NewFlagSet("kube-controller-manager", pflag.ContinueOnError)
	for _, f := range named.FlagSets {
		fs.AddFlagSet(f)
	}
	if err := fs.Parse(args); err != nil {
		return fmt.Errorf("controller-manager flags: %w", err)
	}
	// Shared with the apiserver (same process, same registry); re-setting the
	// same values is a no-op.
	if err := s.ComponentGlobalsRegistry.Set(); err != nil {
		return err
	}
	c, err := s.Config(ctx, known, disabled, aliases)
	if err != nil {
		return err
	}
	return app.Run(ctx, c.Complete())
}
