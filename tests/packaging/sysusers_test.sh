#!/usr/bin/env bash
# The users the packaged sysusers file creates, applied by the real systemd-sysusers to an empty
# root: `corral` for the service, and `corral-plugin`, the manager's default plugins.user, with no
# shell and no share of corral's group (so an isolated plugin cannot read what the group may).
#   sysusers_test.sh DEBS_DIR SOURCE_DIR
DEBS_DIR=$1
source_dir=$2
# shellcheck source=tests/packaging/lib.sh
source "$(dirname "$0")/lib.sh"
make_work_dir

command -v systemd-sysusers >/dev/null || fail "systemd-sysusers is missing (Debian package systemd)"
dpkg-deb -x "$(deb_of corral-manager)" "$WORK/pkg"
root=$WORK/root
mkdir -p "$root/etc"
systemd-sysusers --root="$root" "$WORK/pkg/usr/lib/sysusers.d/corral.conf"

passwd=$(cat "$root/etc/passwd")
group=$(cat "$root/etc/group")
plugin_user=$(sed -n 's/.*kDefaultPluginUser\[\] = "\([^"]*\)".*/\1/p' "$source_dir/manager/providers/host_launch.h")
[[ $plugin_user == corral-plugin ]] || fail "the manager's default plugins.user is '$plugin_user', the packages create corral-plugin"

# name:x:uid:gid:gecos:home:shell, with a system uid (Debian: below 1000).
expect_line "$passwd" '^corral:x:[0-9]{1,3}:[0-9]+:[^:]*:/var/lib/corral:/usr/sbin/nologin$' "no system user corral"
expect_line "$passwd" '^corral-plugin:x:[0-9]{1,3}:[0-9]+:[^:]*:/:/usr/sbin/nologin$' "no system user corral-plugin"
corral_gid=$(awk -F: '$1 == "corral" { print $4 }' <<<"$passwd")
plugin_uid=$(awk -F: '$1 == "corral-plugin" { print $3 }' <<<"$passwd")
plugin_gid=$(awk -F: '$1 == "corral-plugin" { print $4 }' <<<"$passwd")
corral_uid=$(awk -F: '$1 == "corral" { print $3 }' <<<"$passwd")
[[ $plugin_uid != "$corral_uid" ]] || fail "corral and corral-plugin share uid $plugin_uid"
[[ $plugin_gid != "$corral_gid" ]] || fail "corral-plugin's primary group is corral's ($corral_gid)"
# Group lines: name:x:gid:members. corral-plugin is in no group but its own.
expect_line "$group" "^corral:x:$corral_gid:\$" "corral's group has members"
expect_no_line "$group" '[:,]corral-plugin(,|$)' "corral-plugin is a member of a group"
echo "users: corral uid $corral_uid, corral-plugin uid $plugin_uid"
