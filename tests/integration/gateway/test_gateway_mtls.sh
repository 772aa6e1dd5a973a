#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# Client certificate validation (Gateway spec.tls.frontend) against a real client: curl with
# --cert/--key. Port 443 (mode AllowValidOnly, the default) serves a client whose certificate
# chains to the ConfigMap's CA, over HTTP/2 and HTTP/1.1, and refuses one without a certificate
# or with a certificate of another CA; port 8443's perPort entry (AllowInsecureFallback) serves
# all three. `gatesim load --cert/--key` against port 443: all served with the certificate, each
# refused without it with the alert in its error texts (cause tls), and usage errors naming
# the files.
# Certificates are made with the openssl CLI.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"

make_ca server-ca
make_ca client-ca
make_ca other-ca
make_leaf server server-ca a.example.com serverAuth
make_leaf client client-ca client.example.com clientAuth
make_leaf stranger other-ca stranger.example.com clientAuth

start_echo default/v1 a; V1=$ECHO_PORT
indent() { sed 's/^/    /' "$1"; }
{
    yaml_gatewayclass
    yaml_tls_secret server-cert server
    cat <<YAML
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: mtls, namespace: default}
spec:
  gatewayClassName: gatesim
  tls:
    frontend:
      default:
        validation:
          caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]
      perPort:
      - port: 8443
        tls:
          validation:
            mode: AllowInsecureFallback
            caCertificateRefs: [{group: "", kind: ConfigMap, name: client-ca}]
  listeners:
  - name: strict
    port: 443
    protocol: HTTPS
    tls: {certificateRefs: [{name: server-cert}]}
  - name: lenient
    port: 8443
    protocol: HTTPS
    tls: {certificateRefs: [{name: server-cert}]}
---
apiVersion: v1
kind: ConfigMap
metadata: {name: client-ca, namespace: default}
data:
  ca.crt: |
$(indent "$WORK/client-ca.crt")
YAML
    yaml_service v1
    yaml_route_all mtls v1
} > "$WORK/mtls.yaml"

start_gateway "$WORK/mtls.yaml" --backend "default/v1:8080=127.0.0.1:$V1"
STRICT=$(gw_addr strict); STRICT=${STRICT##*:}
LENIENT=$(gw_addr lenient); LENIENT=${LENIENT##*:}

# c PORT [curl options]: prints the status line, or curl's error
c() {
    local port=$1
    shift
    rm -f "$WORK/head"
    local err
    err=$(curl -s -S --max-time 60 --cacert "$WORK/server-ca.crt" -o /dev/null -D "$WORK/head" \
        --resolve "a.example.com:$port:127.0.0.1" "$@" "https://a.example.com:$port/" 2>&1)
    if [ -s "$WORK/head" ]; then head -1 "$WORK/head" | tr -d '\r' | sed 's/ *$//'; else echo "error: $err"; fi
}
MINE=(--cert "$WORK/client.crt" --key "$WORK/client.key")
OTHER=(--cert "$WORK/stranger.crt" --key "$WORK/stranger.key")

check "strict: a certificate of the ConfigMap's CA is served (h2)" \
    eq "$(c "$STRICT" "${MINE[@]}")" "HTTP/2 200"
check "strict: a certificate of the ConfigMap's CA is served (http/1.1)" \
    eq "$(c "$STRICT" --http1.1 "${MINE[@]}")" "HTTP/1.1 200 OK"
check "strict: no certificate is refused" contains "$(c "$STRICT")" "error:"
check "strict: no certificate is refused (http/1.1, TLS 1.2)" \
    contains "$(c "$STRICT" --http1.1 --tlsv1.2 --tls-max 1.2)" "error:"
check "strict: a certificate of another CA is refused" contains "$(c "$STRICT" "${OTHER[@]}")" \
    "error:"
check "lenient: a certificate of the ConfigMap's CA is served" \
    eq "$(c "$LENIENT" "${MINE[@]}")" "HTTP/2 200"
check "lenient: a certificate of another CA is served" \
    eq "$(c "$LENIENT" "${OTHER[@]}")" "HTTP/2 200"
check "lenient: no certificate is served" eq "$(c "$LENIENT")" "HTTP/2 200"

# gatesim load --cert/--key against the strict listener: every request served with the
# certificate; without it (or with another CA's) no response, and the error texts say why.
load() { # load OUT [options]: gatesim load -o json (OUT in $WORK, stderr OUT.err); prints its exit status
    local out=$1 rc=0
    shift
    "$GATESIM" load -q -o json -n 20 -c 2 --cacert "$WORK/server-ca.crt" \
        --connect-to "127.0.0.1:$STRICT" "$@" "https://a.example.com:$STRICT/" \
        > "$WORK/$out" 2> "$WORK/$out.err" || rc=$?
    echo "$rc"
}
# summary OUT: responses, statuses and error texts by cause
summary() {
    json "$WORK/$1" "'%s %s %s' % (j['responses'], j['statuses'], \
        sorted((k, t, n) for k, ts in j['errorTexts'].items() for t, n in ts.items()))"
}
cat "$WORK/client.crt" "$WORK/client.key" > "$WORK/client.pem"
for p in http1 http2; do
    check "load $p --cert/--key: all served" eq "$(load "with-$p" -p "$p" "${MINE[@]}") $(summary "with-$p")" \
        "0 20 {'200': 20} []"
    # TLS 1.3: the alert comes on the first read, after the client's side of the handshake
    check "load $p: no certificate is refused, the alert counted as tls" \
        eq "$(load "without-$p" -p "$p") $(summary "without-$p")" \
        "1 0 {} [('tls', 'TLS alert certificate required from server', 20)]"
    check "load $p: another CA's certificate is refused, the alert counted as tls" \
        eq "$(load "other-$p" -p "$p" "${OTHER[@]}") $(summary "other-$p")" \
        "1 0 {} [('tls', 'TLS alert unknown ca from server', 20)]"
done
check "load --cert with the key in the same file: all served" \
    eq "$(load pem --cert "$WORK/client.pem") $(summary pem)" "0 20 {'200': 20} []"
check "load --cert of a missing file: usage error naming it" \
    eq "$(load missing --cert "$WORK/nope.crt") $(head -1 "$WORK/missing.err")" \
    "2 gatesim load: cannot read --cert \"$WORK/nope.crt\": No such file or directory"
check "load --key of another certificate: usage error naming both files" \
    contains "$(load mismatch --cert "$WORK/client.crt" --key "$WORK/stranger.key") $(cat "$WORK/mismatch.err")" \
    "2 gatesim load: the key in $WORK/stranger.key does not match the certificate in $WORK/client.crt"
check "load --cert without its key: usage error naming the file" \
    contains "$(load nokey --cert "$WORK/client.crt") $(cat "$WORK/nokey.err")" \
    "2 gatesim load: $WORK/client.crt: no PEM private key could be read"
check "load --cert over cleartext: usage error" \
    contains "$("$GATESIM" load -n 1 --cert "$WORK/client.pem" "http://127.0.0.1:$STRICT/" 2>&1; echo "rc=$?")" \
    "--cert is for https:// and tls:// URLs"

finish
