#!/usr/bin/env bash
# A throwaway Samba AD domain controller on loopback, for tests of manager/directory/ against a
# real Active Directory. Realm EXAMPLE.LOCAL, no DNS server, listening on 127.0.0.1 only.
#
#   samba_ad.sh start DIR   provision into DIR (empty or missing), start samba, wait until an
#                           LDAPS base search as Administrator answers, then print one line:
#                           "samba-ad ready pid=.. ldap=389 ldaps=636 kdc=88 ca=DIR/tls/ca.pem ..."
#   samba_ad.sh stop DIR    stop the samba started in DIR (by the pid it wrote) and wait for it
#
# Samba's LDAP ports are fixed (389/636): only one instance can run on a machine at a time, so
# the tests that use it hold a ctest RESOURCE_LOCK. The server certificate comes from a CA made
# here (DIR/tls/ca.pem) and names localhost and 127.0.0.1, so clients verify it for real; DIR/tls
# also holds a second CA (other-ca.pem) that did not sign it, for "untrusted certificate" tests.
set -euo pipefail

ADMIN_PASS=${SAMBA_AD_ADMIN_PASS:-Corral-Admin-1}
READY_TIMEOUT=${SAMBA_AD_READY_TIMEOUT:-120}

die() {
  echo "samba_ad: $*" >&2
  exit 1
}

make_certificates() {
  local tls=$1
  mkdir -p "$tls"
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Corral test AD CA" \
    -keyout "$tls/ca-key.pem" -out "$tls/ca.pem" 2>/dev/null
  openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=Corral other CA" \
    -keyout "$tls/other-ca-key.pem" -out "$tls/other-ca.pem" 2>/dev/null
  openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" \
    -keyout "$tls/key.pem" -out "$tls/server.csr" 2>/dev/null
  # libldap checks loopback connections against this machine's own name, so it is named too.
  printf 'subjectAltName=DNS:localhost,DNS:%s,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n' "$(hostname)" >"$tls/ext.cnf"
  openssl x509 -req -in "$tls/server.csr" -CA "$tls/ca.pem" -CAkey "$tls/ca-key.pem" -CAcreateserial \
    -days 30 -extfile "$tls/ext.cnf" -out "$tls/cert.pem" 2>/dev/null
  # Samba refuses a private key that others can read.
  chmod 600 "$tls/key.pem"
}

ldaps_answers() {
  LDAPTLS_CACERT="$1/tls/ca.pem" ldapsearch -LLL -o nettimeout=5 -H ldaps://127.0.0.1 -x \
    -D Administrator@example.local -w "$ADMIN_PASS" -b "" -s base defaultNamingContext >/dev/null 2>&1
}

start() {
  local dir=$1
  mkdir -p "$dir"
  dir=$(cd "$dir" && pwd)
  [[ -e $dir/samba.pid ]] && die "$dir already holds a started samba (samba.pid)"
  command -v samba-tool >/dev/null || die "samba-tool not found (Debian packages samba samba-ad-dc)"
  command -v ldapsearch >/dev/null || die "ldapsearch not found (Debian package ldap-utils)"
  if ss -ltn 2>/dev/null | grep -qE '[:.](389|636)[[:space:]]'; then
    die "an LDAP server already listens on 389/636 on this machine"
  fi

  make_certificates "$dir/tls"
  samba-tool domain provision --realm=EXAMPLE.LOCAL --domain=EXAMPLE --server-role=dc \
    --dns-backend=NONE --adminpass="$ADMIN_PASS" --targetdir="$dir/dc" \
    --host-ip=127.0.0.1 --option="interfaces=lo" --option="bind interfaces only=yes" \
    --option="netbios name=CORRALDC" --option="tls enabled=yes" \
    --option="tls certfile=$dir/tls/cert.pem" --option="tls keyfile=$dir/tls/key.pem" \
    --option="tls cafile=$dir/tls/ca.pem" >"$dir/provision.log" 2>&1 ||
    die "provisioning failed, see $dir/provision.log"

  # -i: stay in the foreground (so the pid is samba's own); -M single: one process, light on CI.
  setsid samba -i -M single -s "$dir/dc/etc/smb.conf" </dev/null >"$dir/samba.log" 2>&1 &
  local pid=$!
  echo "$pid" >"$dir/samba.pid"

  local waited=0
  until ldaps_answers "$dir"; do
    kill -0 "$pid" 2>/dev/null || die "samba exited before answering, see $dir/samba.log"
    ((waited < READY_TIMEOUT * 5)) || {
      stop "$dir"
      die "samba did not answer an LDAPS base search in ${READY_TIMEOUT}s, see $dir/samba.log"
    }
    waited=$((waited + 1))
    sleep 0.2 # a poll interval: readiness itself is the base search answering
  done
  echo "samba-ad ready pid=$pid ldap=389 ldaps=636 kdc=88 host=127.0.0.1 realm=EXAMPLE.LOCAL" \
    "base=DC=example,DC=local admin=Administrator@example.local ca=$dir/tls/ca.pem" \
    "other_ca=$dir/tls/other-ca.pem"
}

stop() {
  local dir=$1
  [[ -f $dir/samba.pid ]] || return 0
  local pid
  pid=$(cat "$dir/samba.pid")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || kill -TERM "$pid" 2>/dev/null || true
    local waited=0
    while kill -0 "$pid" 2>/dev/null && ((waited < 100)); do
      sleep 0.1
      waited=$((waited + 1))
    done
    kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$dir/samba.pid"
}

case "${1:-}" in
  start) start "${2:?usage: samba_ad.sh start DIR}" ;;
  stop) stop "${2:?usage: samba_ad.sh stop DIR}" ;;
  *) die "usage: samba_ad.sh start|stop DIR" ;;
esac
