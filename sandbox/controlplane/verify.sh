#!/usr/bin/env bash
# Smoke test of a running terraplane-controlplane with kubectl:
#   KUBECONFIG=<data-dir>/kubeconfig ./verify.sh
# Exercises what integration tests rely on: CRDs with CEL validation and a
# status subresource, server-side apply, finalizers, watch bookmarks,
# namespace deletion and garbage collection (controller-manager), Secrets,
# Events, Leases, TokenRequest and RBAC. Prints "N passed, N failed".
set -uo pipefail
: "${KUBECONFIG:?set KUBECONFIG to the kubeconfig written by terraplane-controlplane}"
export KUBECONFIG
k() { kubectl "$@"; }
pass=0 fail=0
ok() { echo "PASS: $*"; pass=$((pass + 1)); }
bad() { echo "FAIL: $*"; fail=$((fail + 1)); }
check() { local what=$1; shift; if "$@"; then ok "$what"; else bad "$what"; fi; }
# wait_gone KIND/NAME [ns-args...]: true once the object is NotFound (<= 60s)
wait_gone() {
	for _ in $(seq 1 120); do
		k get "$@" >/dev/null 2>&1 || return 0
		sleep 0.5
	done
	return 1
}
ns=verify-$RANDOM

check "kubectl get ns" k get ns

# --- CRD with structural schema, CEL rule and status subresource ----------
k apply -f - >/dev/null <<'EOF'
apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata: {name: widgets.verify.terraplane.dev}
spec:
  group: verify.terraplane.dev
  scope: Namespaced
  names: {plural: widgets, singular: widget, kind: Widget}
  versions:
  - name: v1
    served: true
    storage: true
    subresources: {status: {}}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - rule: "self.minReplicas <= self.maxReplicas"
              message: "minReplicas must not exceed maxReplicas"
            properties:
              minReplicas: {type: integer}
              maxReplicas: {type: integer}
          status:
            type: object
            properties:
              phase: {type: string}
EOF
check "CRD established" k wait --for condition=established --timeout=30s crd/widgets.verify.terraplane.dev
k create ns "$ns" >/dev/null

out=$(k -n "$ns" apply -f - 2>&1 <<'EOF'
apiVersion: verify.terraplane.dev/v1
kind: Widget
metadata: {name: bad}
spec: {minReplicas: 5, maxReplicas: 1}
EOF
)
echo "  invalid widget -> $out"
check "CEL rule rejects invalid object with its message" grep -q "minReplicas must not exceed maxReplicas" <<<"$out"

check "valid object accepted (server-side apply)" k -n "$ns" apply --server-side --field-manager=verify -f - <<'EOF'
apiVersion: verify.terraplane.dev/v1
kind: Widget
metadata: {name: good}
spec: {minReplicas: 1, maxReplicas: 3}
EOF
check "managedFields record the SSA manager" \
	bash -c "kubectl -n $ns get widget good --show-managed-fields -o jsonpath='{.metadata.managedFields[*].manager}' | grep -qw verify"
k -n "$ns" patch widget good --subresource=status --type=merge -p '{"status":{"phase":"Ready"}}' >/dev/null
k -n "$ns" patch widget good --type=merge -p '{"status":{"phase":"Ignored"},"spec":{"maxReplicas":4}}' >/dev/null
check "status subresource (status only via /status)" \
	test "$(k -n "$ns" get widget good -o jsonpath='{.status.phase}/{.spec.maxReplicas}')" = "Ready/4"

# --- finalizers ------------------------------------------------------------
k -n "$ns" create configmap fin >/dev/null
k -n "$ns" patch configmap fin --type=merge -p '{"metadata":{"finalizers":["verify.terraplane.dev/hold"]}}' >/dev/null
k -n "$ns" delete configmap fin --wait=false >/dev/null
check "finalizer holds deletion" test -n "$(k -n "$ns" get configmap fin -o jsonpath='{.metadata.deletionTimestamp}')"
k -n "$ns" patch configmap fin --type=merge -p '{"metadata":{"finalizers":null}}' >/dev/null
check "object goes once finalizer removed" wait_gone -n "$ns" configmap/fin

# --- watch with bookmarks (WatchList: initial-events-end bookmark) ---------
out=$(k get --raw "/api/v1/namespaces/$ns/configmaps?watch=1&sendInitialEvents=true&resourceVersionMatch=NotOlderThan&allowWatchBookmarks=true&timeoutSeconds=2" 2>&1)
check "watch delivers BOOKMARK events" grep -q '"type":"BOOKMARK"' <<<"$out"

# --- Secrets, Events, Leases -----------------------------------------------
check "Secret" k -n "$ns" create secret generic s1 --from-literal=a=b
check "Event" k -n "$ns" create -f - <<EOF
apiVersion: events.k8s.io/v1
kind: Event
metadata: {name: e1}
eventTime: "2025-01-01T00:00:00.000000Z"
reportingController: verify.terraplane.dev/verify
reportingInstance: verify-1
action: Verify
reason: Verifying
type: Normal
regarding: {kind: Secret, name: s1, namespace: $ns, apiVersion: v1}
note: hello
EOF
check "Lease" k -n "$ns" create -f - <<'EOF'
apiVersion: coordination.k8s.io/v1
kind: Lease
metadata: {name: l1}
spec: {holderIdentity: verify, leaseDurationSeconds: 15}
EOF

# --- garbage collection via ownerReferences --------------------------------
k -n "$ns" create configmap owner >/dev/null
uid=$(k -n "$ns" get configmap owner -o jsonpath='{.metadata.uid}')
k -n "$ns" create -f - >/dev/null <<EOF
apiVersion: v1
kind: ConfigMap
metadata:
  name: dependent
  ownerReferences:
  - {apiVersion: v1, kind: ConfigMap, name: owner, uid: $uid}
EOF
k -n "$ns" delete configmap owner >/dev/null
check "dependent garbage-collected after owner deletion" wait_gone -n "$ns" configmap/dependent

# --- ServiceAccount, TokenRequest, RBAC -----------------------------------
k -n "$ns" create serviceaccount x >/dev/null
token=$(k -n "$ns" create token x)
check "kubectl create token" test -n "$token"
out=$(k --token="$token" -n "$ns" get secrets 2>&1)
echo "  SA token get secrets -> $out"
check "SA token is forbidden to list secrets (RBAC)" grep -q "Forbidden" <<<"$out"
check "SA token authenticates as the SA" \
	test "$(k --token="$token" auth whoami -o jsonpath='{.status.userInfo.username}')" = "system:serviceaccount:$ns:x"

# --- namespace deletion (namespace controller) -----------------------------
k create ns "$ns-del" >/dev/null
k -n "$ns-del" create configmap c1 >/dev/null
k delete ns "$ns-del" --wait=false >/dev/null
check "namespace with content is really deleted" wait_gone "ns/$ns-del"

k delete ns "$ns" --wait=false >/dev/null
k delete crd widgets.verify.terraplane.dev --wait=false >/dev/null
echo "$pass passed, $fail failed"
[[ $fail -eq 0 ]]
