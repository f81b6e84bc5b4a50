#!/usr/bin/env bash
# The packages' maintainer scripts run as dpkg --root runs them: unpacked into a fresh root and
# called with DPKG_ROOT, so they write into that tree and nothing of this machine. Once with
# systemd-sysusers and systemd-tmpfiles, once on a system without them (useradd, install): both
# make the same users, the data directory 0700 owned by corral, and enable the manager; the agent
# is not enabled before it has a join token. systemctl and deb-systemd-invoke are stubs that fail:
# with DPKG_ROOT set, no running service may be touched.
#   postinst_test.sh DEBS_DIR
# Exits 77 (skipped) when not root: the scripts chown the data directory.
DEBS_DIR=$1
# shellcheck source=tests/packaging/lib.sh
source "$(dirname "$0")/lib.sh"
[[ $(id -u) -eq 0 ]] || { echo "needs root to chown inside the fake root; skipped"; exit 77; }
make_work_dir

stubs=$WORK/stubs
mkdir -p "$stubs"
for cmd in systemctl deb-systemd-invoke; do
    printf '#!/bin/sh\necho "%s $*" >>"%s/touched-host"\nexit 1\n' "$cmd" "$WORK" >"$stubs/$cmd"
    chmod +x "$stubs/$cmd"
done

# A PATH without the systemd tools: every other command of /usr/bin and /usr/sbin.
no_systemd=$WORK/no-systemd
mkdir -p "$no_systemd"
for f in /usr/sbin/* /usr/bin/*; do
    case ${f##*/} in systemd-sysusers | systemd-tmpfiles | systemctl | deb-systemd-invoke) continue ;; esac
    [[ -e $no_systemd/${f##*/} ]] || ln -s "$f" "$no_systemd/${f##*/}"
done

# install_into ROOT PATH: unpacks and configures both packages in ROOT as a first install would.
install_into() {
    local root=$1 path=$2 pkg
    mkdir -p "$root/etc"
    printf 'root:x:0:0:root:/root:/bin/sh\n' >"$root/etc/passwd"
    printf 'root:x:0:\n' >"$root/etc/group"
    : >"$root/etc/shadow"
    : >"$root/etc/gshadow"
    for pkg in corral-manager corral-agent; do
        dpkg-deb -x "$(deb_of "$pkg")" "$root"
        dpkg-deb -e "$(deb_of "$pkg")" "$WORK/control-$pkg"
        PATH=$path DPKG_ROOT=$root DPKG_MAINTSCRIPT_PACKAGE=$pkg DPKG_MAINTSCRIPT_NAME=postinst \
            /bin/sh "$WORK/control-$pkg/postinst" configure "" ||
            fail "$pkg postinst failed (PATH $path)"
        rm -rf "$WORK/control-$pkg"
    done
}

# check_root ROOT HOW: what every first install leaves behind.
check_root() {
    local root=$1 how=$2 passwd
    passwd=$(cat "$root/etc/passwd")
    expect_line "$passwd" '^corral:x:[0-9]{1,3}:[0-9]+:[^:]*:/var/lib/corral:/usr/sbin/nologin$' "$how: no user corral"
    expect_line "$passwd" '^corral-plugin:x:[0-9]{1,3}:[0-9]+:[^:]*:/:/usr/sbin/nologin$' "$how: no user corral-plugin"
    expect_no_line "$(cat "$root/etc/group")" '[:,]corral-plugin(,|$)' "$how: corral-plugin joined a group"
    local want have
    want=$(awk -F: '$1 == "corral" { print "700 " $3 ":" $4 }' <<<"$passwd")
    have=$(stat -c '%a %u:%g' "$root/var/lib/corral") || fail "$how: no /var/lib/corral"
    [[ $have == "$want" ]] || fail "$how: /var/lib/corral is '$have' (mode uid:gid), want '$want'"
    [[ -L $root/etc/systemd/system/multi-user.target.wants/corral-manager.service ]] ||
        fail "$how: corral-manager.service is not enabled"
    [[ ! -L $root/etc/systemd/system/multi-user.target.wants/corral-agent.service ]] ||
        fail "$how: corral-agent.service is enabled before it has a join token"
    [[ ! -e $WORK/touched-host ]] || fail "$how: a script acted on this machine's services: $(cat "$WORK/touched-host")"
}

install_into "$WORK/with-systemd" "$stubs:$PATH"
check_root "$WORK/with-systemd" "with systemd-sysusers"
install_into "$WORK/without-systemd" "$stubs:$no_systemd"
check_root "$WORK/without-systemd" "without systemd-sysusers"

# Configuring again (an upgrade) changes nothing.
before=$(cat "$WORK/with-systemd/etc/passwd")
pkg=corral-manager
dpkg-deb -e "$(deb_of $pkg)" "$WORK/control"
PATH=$stubs:$PATH DPKG_ROOT=$WORK/with-systemd DPKG_MAINTSCRIPT_PACKAGE=$pkg DPKG_MAINTSCRIPT_NAME=postinst \
    /bin/sh "$WORK/control/postinst" configure 0.1.0-1 || fail "$pkg postinst failed on an upgrade"
[[ $(cat "$WORK/with-systemd/etc/passwd") == "$before" ]] || fail "configuring again changed the users"
check_root "$WORK/with-systemd" "after an upgrade"
echo "postinst: users, data directory and enablement as documented, with and without systemd"
