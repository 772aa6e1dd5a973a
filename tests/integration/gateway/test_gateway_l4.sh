#!/usr/bin/env bash
# SPDX-License-Identifier: MIT
# The builtin gateway's layer-4 data plane with gatesim-echo layer-4 backends and Python clients:
# TCPRoute (weights per connection, half-close passed on, a 3 MB exchange under backpressure,
# reset when the backend is missing or has no endpoint), UDPRoute (one session per client
# address), TLS passthrough by SNI (each client sees its backend's own certificate), TLS
# Terminate to a TCP backend, BackendTLSPolicy on layer-4 backends (TLS originated to the backend
# from a TCP listener and from a Terminate one, with the policy's CA, SNI and hostname check;
# a wrong hostname, a wrong CA and a plaintext backend fail closed: reset), and hostile input: a truncated, an oversized and a non-TLS
# ClientHello, a ClientHello without SNI, a silent client past the header timeout, and a UDP
# flood from more source ports than the session table holds, each followed by a client that
# must still be served. Waits poll for a condition (bounded); nothing depends on timing.
HERE=$(cd "$(dirname "$0")" && pwd)
. "$HERE/lib.sh"
CLIENT="$HERE/l4_client.py"

# start_l4_echo NS/NAME REPLICA FLAGS...: a gatesim-echo with only layer-4 listeners; its ready
# line is left in $WORK/echo-NAME-REPLICA.json.
start_l4_echo() {
    local svc=$1 replica=$2
    shift 2
    local out="$WORK/echo-${svc//\//_}-$replica.json"
    "$GATESIM_ECHO" --service "$svc" --replica "$replica" --quiet --no-listen "$@" > "$out" \
        2> "$out.err" &
    PIDS+=($!)
    san_watch "$out.err"
    wait_line "$out"
    head -n1 "$out" > "$out.1"
    ECHO_READY="$out.1"
}

start_l4_echo default/tcp-a r0 --tcp-listen 127.0.0.1:0 --udp-listen 127.0.0.1:0
TCP_A=$(json "$ECHO_READY" "j['tcpPort']")
UDP_A=$(json "$ECHO_READY" "j['udpPort']")
start_l4_echo default/tcp-b r0 --tcp-listen 127.0.0.1:0
TCP_B=$(json "$ECHO_READY" "j['tcpPort']")
start_l4_echo default/tls-a r0 --tcp-tls-listen 127.0.0.1:0 --tls-names a.example.com
TLS_A=$(json "$ECHO_READY" "j['tcpTlsPort']")
SHA_A=$(json "$ECHO_READY" "j['tlsCertSha256']")
start_l4_echo default/tls-b r0 --tcp-tls-listen 127.0.0.1:0 --tls-names b.example.com
TLS_B=$(json "$ECHO_READY" "j['tcpTlsPort']")
SHA_B=$(json "$ECHO_READY" "j['tlsCertSha256']")

# BackendTLSPolicy backends: a CA, and a TLS echo whose certificate (of that CA) names
# abc.example.com only; another CA that signed nothing here.
make_ca ca l4-ca
make_ca other other-ca
make_leaf btls ca abc.example.com
start_l4_echo default/btls r0 --tcp-tls-listen 127.0.0.1:0 --cert "$WORK/btls.crt" --key "$WORK/btls.key"
BTLS=$(json "$ECHO_READY" "j['tcpTlsPort']")

# The Terminate listener's certificate (self-signed).
make_self_signed term term.example.com
SHA_TERM=$(openssl x509 -in "$WORK/term.crt" -outform DER | sha256sum | cut -d' ' -f1)

svc() { printf -- '---\napiVersion: v1\nkind: Service\nmetadata: {name: %s, namespace: default}\nspec: {ports: [{port: %s}]}\n' "$1" "$2"; }
route() { # route KIND NAME SECTION HOSTNAMES BACKENDREFS
    printf -- '---\napiVersion: gateway.networking.k8s.io/%s\nkind: %s\nmetadata: {name: %s, namespace: default}\nspec:\n  parentRefs: [{name: l4, sectionName: %s}]\n' \
        "$([ "$1" = TLSRoute ] && echo v1 || echo v1alpha2)" "$1" "$2" "$3"
    [ -n "$4" ] && printf '  hostnames: [%s]\n' "$4"
    printf '  rules: [{backendRefs: [%s]}]\n' "$5"
}
{
    yaml_gatewayclass
    cat <<YAML
---
apiVersion: gateway.networking.k8s.io/v1
kind: Gateway
metadata: {name: l4, namespace: default}
spec:
  gatewayClassName: gatesim
  listeners:
  - {name: tcp, port: 9000, protocol: TCP}
  - {name: udp, port: 9000, protocol: UDP}
  - {name: dead, port: 9001, protocol: TCP}
  - {name: unmapped, port: 9002, protocol: TCP}
  - {name: lonely, port: 9003, protocol: TCP}
  - {name: pass, port: 9443, protocol: TLS, tls: {mode: Passthrough}}
  - name: term
    port: 9444
    protocol: TLS
    hostname: term.example.com
    tls: {mode: Terminate, certificateRefs: [{name: term-cert}]}
  - {name: btls, port: 9004, protocol: TCP}
  - {name: btls-host, port: 9005, protocol: TCP}
  - {name: btls-ca, port: 9006, protocol: TCP}
  - {name: btls-plain, port: 9007, protocol: TCP}
  - name: term-btls
    port: 9445
    protocol: TLS
    hostname: term.example.com
    tls: {mode: Terminate, certificateRefs: [{name: term-cert}]}
YAML
    yaml_tls_secret term-cert term
    svc tcp-a 7000; svc tcp-b 7000; svc udp-a 7001; svc tls-a 7443; svc tls-b 7443; svc nomap 7000
    route TCPRoute tcp tcp "" "{name: tcp-a, port: 7000}, {name: tcp-b, port: 7000}"
    route UDPRoute udp udp "" "{name: udp-a, port: 7001}"
    route TCPRoute dead dead "" "{name: gone, port: 7000}"
    route TCPRoute unmapped unmapped "" "{name: nomap, port: 7000}"
    route TLSRoute pass-a pass a.example.com "{name: tls-a, port: 7443}"
    route TLSRoute pass-b pass b.example.com "{name: tls-b, port: 7443}"
    route TCPRoute term term "" "{name: tcp-a, port: 7000}"
    # BackendTLSPolicy: one TLS backend behind three Services, each with its own policy; a
    # fourth Service is the plaintext tcp-a under a policy.
    svc btls-ok 7444; svc btls-host 7444; svc btls-ca 7444; svc btls-plain 7000
    route TCPRoute btls btls "" "{name: btls-ok, port: 7444}"
    route TCPRoute btls-host btls-host "" "{name: btls-host, port: 7444}"
    route TCPRoute btls-ca btls-ca "" "{name: btls-ca, port: 7444}"
    route TCPRoute btls-plain btls-plain "" "{name: btls-plain, port: 7000}"
    route TLSRoute term-btls term-btls term.example.com "{name: btls-ok, port: 7444}"
    cm() { printf -- '---\napiVersion: v1\nkind: ConfigMap\nmetadata: {name: %s, namespace: default}\ndata:\n  ca.crt: |\n' "$1"
           sed 's/^/    /' "$2"; }
    cm backend-ca "$WORK/ca.crt"; cm other-ca "$WORK/other.crt"
    policy() { # policy SERVICE CONFIGMAP HOSTNAME
        printf -- '---\napiVersion: gateway.networking.k8s.io/v1\nkind: BackendTLSPolicy\nmetadata: {name: %s, namespace: default}\nspec:\n  targetRefs: [{group: "", kind: Service, name: %s}]\n  validation: {caCertificateRefs: [{group: "", kind: ConfigMap, name: %s}], hostname: %s}\n' \
            "$1" "$1" "$2" "$3"
    }
    policy btls-ok backend-ca abc.example.com; policy btls-host backend-ca wrong.example.com
    policy btls-ca other-ca abc.example.com; policy btls-plain backend-ca abc.example.com
} > "$WORK/l4.yaml"

EXPLAIN=$("$GATESIM" explain "$WORK/l4.yaml" 2>&1 || true)
check "explain: layer-4 listeners are programmed" lacks "$EXPLAIN" "(not programmed)"
check "explain: TCPRoute candidates" contains "$EXPLAIN" "1. every connection  (TCPRoute default/tcp rule 0)"
check "explain: UDPRoute candidates" contains "$EXPLAIN" "1. every session  (UDPRoute default/udp rule 0)"
check "explain: TLSRoutes under their hostnames" contains "$EXPLAIN" "a.example.com
          1. every connection  (TLSRoute default/pass-a rule 0)"
check "explain: an unresolved backend is refused" contains "$EXPLAIN" "BackendNotFound: refused"
check "explain: a layer-4 listener without routes refuses" contains "$EXPLAIN" "(empty: every connection is refused)"

start_gateway "$WORK/l4.yaml" --seed 3 --header-timeout 2s --udp-idle-timeout 1h \
    --backend "default/tcp-a:7000=127.0.0.1:$TCP_A" --backend "default/tcp-b:7000=127.0.0.1:$TCP_B" \
    --backend "default/udp-a:7001=127.0.0.1:$UDP_A" \
    --backend "default/tls-a:7443=127.0.0.1:$TLS_A" --backend "default/tls-b:7443=127.0.0.1:$TLS_B" \
    --backend "default/btls-ok:7444=127.0.0.1:$BTLS" --backend "default/btls-host:7444=127.0.0.1:$BTLS" \
    --backend "default/btls-ca:7444=127.0.0.1:$BTLS" --backend "default/btls-plain:7000=127.0.0.1:$TCP_A"
port_of() { local a; a=$(gw_addr "$1"); echo "${a##*:}"; }
TCP=$(port_of tcp); UDP=$(port_of udp); DEAD=$(port_of dead); UNMAPPED=$(port_of unmapped)
LONELY=$(port_of lonely)
PASS=$(port_of pass); TERM=$(port_of term)
BTLS_OK=$(port_of btls); BTLS_HOST=$(port_of btls-host); BTLS_CA=$(port_of btls-ca)
BTLS_PLAIN=$(port_of btls-plain); TERM_BTLS=$(port_of term-btls)
check "the ready line lists the TCP and the UDP listener of port 9000 apart" \
    eq "$(json "$GW_READY" "sorted(l['protocol'] for l in j['listeners'] if l['port']==9000)")" \
    "['TCP', 'UDP']"

c() { "$PY" "$CLIENT" "$@"; }
r() { echo "$1" > "$WORK/r.json"; json "$WORK/r.json" "$2"; }

# ---- TCP ----
OUT=$(c tcp "$TCP" id-1)
check "TCP: the line reaches a backend and the half-close comes back as EOF" \
    eq "$(r "$OUT" "j['end'], j['replies'][0]['request'], j['replies'][0]['protocol']")" \
    "eof id-1 tcp"
SEEN=""
for i in $(seq 1 40); do
    SEEN="$SEEN $(r "$(c tcp "$TCP" "w-$i")" "j['replies'][0]['service']")"
done
check "TCP: weights pick per connection (both backends among 40)" \
    eq "$(echo "$SEEN" | tr ' ' '\n' | sort -u | grep -c .)" 2
OUT=$(c tcpbig "$TCP" 3000000)
check "TCP: 3 MB each way under backpressure, every line answered" \
    eq "$(r "$OUT" "j['end'], j['replies'] == j['sent']")" "eof True"
check "TCP: a missing backend Service resets the connection" eq "$(r "$(c tcp "$DEAD" x)" "j['end']")" reset
check "TCP: a Service port without endpoints resets the connection" \
    eq "$(r "$(c tcp "$UNMAPPED" x)" "j['end']")" reset
check "TCP: a listener without routes resets the connection" eq "$(r "$(c tcp "$LONELY" x)" "j['end']")" reset

# ---- UDP ----
OUT=$(c udp "$UDP" u 3)
check "UDP: three datagrams of one client, three replies from its session's backend" \
    eq "$(r "$OUT" "[x['request'] for x in j['replies']], {x['peer'] for x in j['replies']}.__len__()")" \
    "['u-0', 'u-1', 'u-2'] 1"

# ---- TLS ----
OUT=$(c tls "$PASS" a.example.com p-a)
check "passthrough: SNI a.example.com reaches tls-a, whose own certificate the client sees" \
    eq "$(r "$OUT" "j['replies'][0]['service'], j['certSha256'] == '$SHA_A'")" "tls-a True"
OUT=$(c tls "$PASS" B.example.com p-b)
check "passthrough: SNI B.example.com (any case) reaches tls-b with its certificate" \
    eq "$(r "$OUT" "j['replies'][0]['service'], j['certSha256'] == '$SHA_B'")" "tls-b True"
check "passthrough: the ClientHello reached the backend unchanged (its SNI as the client wrote it)" \
    eq "$(r "$OUT" "j['replies'][0]['tls']['serverName']")" "B.example.com"
OUT=$(c tls "$TERM" term.example.com t-1)
check "terminate: the gateway's certificate, then the cleartext to the TCP backend" \
    eq "$(r "$OUT" "j['replies'][0]['service'], j['replies'][0]['protocol'], j['certSha256'] == '$SHA_TERM'")" \
    "tcp-a tcp True"

# ---- BackendTLSPolicy: TLS to the backend ----
OUT=$(c tcp "$BTLS_OK" b-1)
check "BackendTLSPolicy from a TCP listener: the backend is reached over TLS with SNI abc.example.com" \
    eq "$(r "$OUT" "j['end'], j['replies'][0]['service'], j['replies'][0]['protocol'], j['replies'][0]['tls']['serverName']")" \
    "eof btls tls abc.example.com"
OUT=$(c tls "$TERM_BTLS" term.example.com b-2)
check "BackendTLSPolicy behind a Terminate TLSRoute: the gateway's certificate, then TLS again to the backend" \
    eq "$(r "$OUT" "j['replies'][0]['service'], j['replies'][0]['tls']['serverName'], j['certSha256'] == '$SHA_TERM'")" \
    "btls abc.example.com True"
check "a policy hostname the backend's certificate does not carry fails closed: reset" \
    eq "$(r "$(c tcp "$BTLS_HOST" x)" "j['end']")" reset
check "a policy CA that did not sign the backend's certificate fails closed: reset" \
    eq "$(r "$(c tcp "$BTLS_CA" x)" "j['end']")" reset
check "a plaintext backend under a policy fails closed: reset" \
    eq "$(r "$(c tcp "$BTLS_PLAIN" x)" "j['end']")" reset
check "  and the policy's own Service still serves" \
    eq "$(r "$(c tcp "$BTLS_OK" b-3)" "j['replies'][0]['service']")" btls

# ---- hostile ClientHellos: each closed, and a good client served right after ----
served() { [ "$(r "$(c tls "$PASS" a.example.com ok)" "j['replies'][0]['service']")" = tls-a ]; }
check "a ClientHello cut in half is closed without a byte" \
    eq "$(r "$(c hellopart "$PASS" a.example.com)" "j['end'] in ('eof', 'reset'), j['bytes']")" "True 0"
check "  and another client is served" served
# A record announcing a 65535-byte handshake message: over the 16 KiB limit.
check "an oversized ClientHello is closed" \
    eq "$(r "$(c raw "$PASS" 16030140000100ffff0303$(printf '%0512d' 0))" "j['end'] in ('eof', 'reset')")" True
check "  and another client is served" served
check "bytes that are no TLS at all are closed" \
    eq "$(r "$(c raw "$PASS" "$(printf 'GET / HTTP/1.1\r\n\r\n' | od -An -tx1 | tr -d ' \n')")" "j['end'] in ('eof', 'reset')")" True
check "a ClientHello without SNI finds no route here (routes name hosts): reset" \
    eq "$(r "$(c tls "$PASS" - nosni)" "j['end']")" handshake-failed
check "  and another client is served" served
OUT=$(c raw "$PASS" "")
check "a client that sends nothing is closed after the header timeout" \
    eq "$(r "$OUT" "j['end'] in ('eof', 'reset')")" True

# ---- UDP flood from more source ports than the session table holds ----
check "a flood from 5000 source ports, each answered" \
    eq "$(r "$(c udpflood "$UDP" 5000)" "j['answered']")" 5000
OUT=$(c udp "$UDP" after 2)
check "  and a client is still served (its own session, both replies)" \
    eq "$(r "$OUT" "[x['request'] for x in j['replies']]")" "['after-0', 'after-1']"

# ---- counters ----
LINES=1
kill -USR1 "$GW_PID"
wait_line "$GW_OUT" 2
sed -n 2p "$GW_OUT" > "$WORK/stats.json"
stat() { json "$WORK/stats.json" "j['stats']['$1']"; }
check "l4Refused counts the three TCP resets and the SNI-less one" eq "$(stat l4Refused)" 4
check "tlsHelloInvalid counts the cut and the non-TLS hellos" eq "$(stat tlsHelloInvalid)" 2
check "tlsHelloOversized counts the oversized one" eq "$(stat tlsHelloOversized)" 1
check "tlsHelloTimedOut counts the silent client" eq "$(stat tlsHelloTimedOut)" 1
# 5002 sessions (u, the flood, after); the table full at 4096, every other one evicted (the 1 h
# idle timeout expires none, however slow the run).
check "the session table held its 4096 limit: sessions past it evicted the oldest" \
    eq "$(json "$WORK/stats.json" "j['stats']['udpSessions'], j['stats']['udpSessionsOpen'], j['stats']['udpSessionsEvicted'], j['stats']['udpSessionsExpired']")" \
    "5002 4096 906 0"
check "no upstream errors" eq "$(stat l4UpstreamErrors)" 0
check "l4BackendTlsFailures counts the wrong hostname, the wrong CA and the plaintext backend" \
    eq "$(stat l4BackendTlsFailures)" 3

# SIGTERM with 4096 UDP sessions and the listeners open: a clean exit (a sanitizer build exits
# non-zero on a use-after-free or leak in the teardown).
kill -TERM "$GW_PID"
GW_RC=0
wait "$GW_PID" || GW_RC=$?
check "the gateway exits cleanly on SIGTERM with sessions open" eq "$GW_RC" 0

finish
